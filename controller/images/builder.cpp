// The image builder: every step shells out through run_process with a deadline; see builder.h.
#include "controller/images/builder.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "common/process/run_process.h"
#include "controller/images/guest_files.h"

namespace atelier::images {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

Status write_file(const fs::path& p, const std::string& content, unsigned mode) {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  fs::remove(p, ec);  // a symlink (e.g. /etc/resolv.conf) must not be followed
  std::ofstream o(p, std::ios::binary | std::ios::trunc);
  o << content;
  o.close();
  if (!o) return Error(ErrorCode::kIo, "write " + p.string());
  if (::chmod(p.c_str(), mode) != 0) return Error(ErrorCode::kIo, "chmod " + p.string());
  return ok_status();
}

// A generator is masked by a link to /dev/null of its name in /etc/systemd/system-generators.
Status mask_generators(const fs::path& root) {
  const fs::path dir = root / "etc/systemd/system-generators";
  std::error_code ec;
  fs::create_directories(dir, ec);
  for (const auto& g : baked_masked_generators()) {
    fs::remove(dir / g, ec);
    fs::create_symlink("/dev/null", dir / g, ec);
    if (ec) return Error(ErrorCode::kIo, "mask generator " + g + ": " + ec.message());
  }
  return ok_status();
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Makes every folder from `dir` up to / traversable by others (libvirt-qemu reads the images).
void make_traversable(const fs::path& dir) {
  for (fs::path p = dir; !p.empty() && p != p.root_path(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && !(st.st_mode & S_IXOTH)) {
      ::chmod(p.c_str(), (st.st_mode & 07777) | S_IXOTH);
    }
  }
}

Result<BuiltImage> read_manifest(const fs::path& dir) {
  fs::path manifest = dir / "image.json";
  std::error_code ec;
  if (!fs::exists(manifest, ec)) return Error(ErrorCode::kNotFound, "no " + manifest.string());
  try {
    auto v = boost::json::parse(read_file(manifest)).as_object();
    BuiltImage img;
    img.name = v.at("name").as_string().c_str();
    img.hash = v.at("hash").as_string().c_str();
    img.dir = dir.string();
    img.disk_path = (dir / v.at("disk").as_string().c_str()).string();
    img.kernel_path = (dir / v.at("kernel").as_string().c_str()).string();
    img.initrd_path = (dir / v.at("initrd").as_string().c_str()).string();
    img.cmdline = v.at("cmdline").as_string().c_str();
    img.kernel_version = v.at("kernel_version").as_string().c_str();
    img.virtual_bytes = v.at("virtual_bytes").to_number<std::uint64_t>();
    img.build_seconds = v.at("build_seconds").to_number<double>();
    for (const auto& p : {img.disk_path, img.kernel_path, img.initrd_path}) {
      if (!fs::exists(p, ec)) return Error(ErrorCode::kNotFound, "image file " + p + " is missing");
    }
    img.disk_bytes = fs::file_size(img.disk_path, ec);
    return img;
  } catch (const std::exception& e) {
    return Error(ErrorCode::kIo, "bad manifest " + manifest.string() + ": " + e.what());
  }
}

class Steps {
 public:
  explicit Steps(const BuildOptions& opts) : opts_(opts) {}

  Status run(const std::string& what, const process::ProcessSpec& spec) {
    if (opts_.progress) opts_.progress(what);
    auto r = process::run_checked(spec);
    if (!r.ok()) return std::move(r).error().context(what);
    return ok_status();
  }

 private:
  const BuildOptions& opts_;
};

// Kills what a package script left running inside the image's root (a daemon that ignored
// policy-rc.d would keep /proc busy and the build folder alive).
void kill_processes_in(const fs::path& root) {
  std::error_code ec;
  const fs::path canonical_root = fs::canonical(root, ec);
  if (ec) return;
  for (auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code link_ec;
    fs::path proc_root = fs::read_symlink(e.path() / "root", link_ec);
    if (link_ec || proc_root != canonical_root) continue;
    ::kill(std::stoi(pid), SIGKILL);
  }
}

Status install_apt_packages(Steps& steps, const fs::path& root, const ImageDefinition& def) {
  std::error_code ec;
  const fs::path resolv = root / "etc/resolv.conf";
  const fs::path kept = root / "etc/resolv.conf.atelier-build";
  fs::rename(resolv, kept, ec);
  fs::copy_file("/etc/resolv.conf", resolv, fs::copy_options::overwrite_existing, ec);
  ATELIER_RETURN_IF_ERROR(steps.run(
      "mount /proc in the image",
      {.argv = {"mount", "-t", "proc", "proc", (root / "proc").string()}, .timeout = 30s}));
  struct Unmount {
    const fs::path& root;
    ~Unmount() {
      kill_processes_in(root);
      (void)process::run_checked(
          {.argv = {"umount", "-l", (root / "proc").string()}, .timeout = 30s});
    }
  } unmount{root};
  const std::vector<std::string> env = {"DEBIAN_FRONTEND=noninteractive", "LC_ALL=C",
                                        "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  ATELIER_RETURN_IF_ERROR(steps.run(
      "apt-get update in the image",
      {.argv = {"chroot", root.string(), "apt-get", "-q", "update"}, .env = env, .timeout = 600s}));
  std::vector<std::string> argv = {"chroot",  root.string(),
                                   "apt-get", "-q",
                                   "-y",      "--no-install-recommends",
                                   "-o",      "Dpkg::Options::=--force-confdef",
                                   "-o",      "Dpkg::Options::=--force-confold",
                                   "install"};
  argv.insert(argv.end(), def.apt_packages.begin(), def.apt_packages.end());
  ATELIER_RETURN_IF_ERROR(steps.run(
      "apt-get install " + std::to_string(def.apt_packages.size()) + " packages in the image",
      {.argv = argv, .env = env, .timeout = 1800s}));
  ATELIER_RETURN_IF_ERROR(steps.run(
      "apt-get clean",
      {.argv = {"chroot", root.string(), "apt-get", "clean"}, .env = env, .timeout = 60s}));
  fs::remove(resolv, ec);
  if (fs::exists(kept, ec)) fs::rename(kept, resolv, ec);
  return ok_status();
}

// The build's stages, in order, each on the image's root folder (`root`) inside the build's work
// folder (`work`). An error says which command or file failed; build_image adds the image.

Status debootstrap_root(Steps& steps, const fs::path& root, const ImageDefinition& def,
                        const BuildOptions& opts) {
  std::error_code ec;
  // 1. debootstrap everything, the kernel included. INITRD=No keeps the kernel's postinst from
  // building the big generic initrd; a small one is made below.
  std::string include;
  for (const auto& p : def.packages) include += (include.empty() ? "" : ",") + p;
  include += (include.empty() ? "" : ",") + def.kernel;
  // One download cache for every image of the state folder: the role image's debootstrap finds
  // the base image's packages there (debootstrap checks each against the suite's checksums).
  const fs::path deb_cache = fs::path(opts.state_dir) / "cache" / "debootstrap";
  fs::create_directories(deb_cache, ec);
  if (ec) return Error(ErrorCode::kIo, "create " + deb_cache.string() + ": " + ec.message());
  return steps.run("debootstrap " + def.suite + " (" + std::to_string(def.packages.size() + 1) +
                       " packages and their dependencies)",
                   {.argv = {"debootstrap", "--variant=" + def.variant, "--include=" + include,
                             "--cache-dir=" + fs::absolute(deb_cache).string(), def.suite,
                             root.string(), def.mirror},
                    .env = {"INITRD=No", "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"},
                    .timeout = opts.debootstrap_timeout});
}

Status configure_root(Steps& steps, const fs::path& root, const ImageDefinition& def) {
  std::error_code ec;
  Status st = ok_status();
  // 2. Configure the folder. Services must not start in the chroot.
  st = write_file(root / "usr/sbin/policy-rc.d", "#!/bin/sh\nexit 101\n", 0755);
  if (!st.ok()) return st;
  for (const auto& f : baked_guest_files()) {
    st = write_file(root / f.path.substr(1), f.content, f.mode);
    if (!st.ok()) return st;
  }
  fs::remove(root / "var/lib/dbus/machine-id", ec);
  // Host keys are made per instance at first boot (atelier-firstboot), never shared by clones.
  for (auto& e : fs::directory_iterator(root / "etc/ssh", ec)) {
    if (e.path().filename().string().rfind("ssh_host_", 0) == 0) fs::remove(e.path(), ec);
  }
  // Root is locked until the seed gives it a password.
  st = steps.run("lock root's password",
                 {.argv = {"chroot", root.string(), "passwd", "-l", "root"}, .timeout = 30s});
  if (!st.ok()) return st;
  for (const auto& u : baked_enabled_units()) {
    st = steps.run("enable " + u,
                   {.argv = {"systemctl", "--root=" + root.string(), "enable", u}, .timeout = 30s});
    if (!st.ok()) return st;
  }
  for (const auto& u : baked_masked_units()) {
    st = steps.run("mask " + u,
                   {.argv = {"systemctl", "--root=" + root.string(), "mask", u}, .timeout = 30s});
    if (!st.ok()) return st;
  }
  st = mask_generators(root);
  if (!st.ok()) return st;

  // 2b. Server software for role images: apt inside the image, while policy-rc.d keeps every
  // service from starting. /proc is mounted for the postinsts that read it; the host's
  // resolv.conf lets apt reach the mirror (the only network a build uses).
  if (!def.apt_packages.empty()) {
    st = install_apt_packages(steps, root, def);
    if (!st.ok()) return st;
  }
  for (const auto& u : def.disabled_units) {
    st = steps.run("disable " + u, {.argv = {"systemctl", "--root=" + root.string(), "disable", u},
                                    .timeout = 30s});
    if (!st.ok()) return st;
  }

  return ok_status();
}

// Returns the kernel's version.
Result<std::string> make_kernel(Steps& steps, const fs::path& root, const fs::path& work,
                                const ImageDefinition& def) {
  Status st = ok_status();
  std::error_code ec;
  // 3. The kernel: prune modules, then a small initrd with only the listed modules.
  std::string kver;
  for (auto& e : fs::directory_iterator(root / "lib/modules", ec)) {
    if (e.is_directory()) kver = e.path().filename().string();
  }
  if (kver.empty()) return Error(ErrorCode::kIo, "no kernel in lib/modules after debootstrap");
  for (const auto& m : def.prune_modules) {
    fs::remove_all(root / "lib/modules" / kver / "kernel" / m, ec);
  }
  st = steps.run("depmod " + kver,
                 {.argv = {"chroot", root.string(), "depmod", kver}, .timeout = 120s});
  if (!st.ok()) return std::move(st).error();
  std::string modules;
  for (const auto& m : def.initrd_modules) modules += m + "\n";
  st = write_file(root / "etc/initramfs-tools/modules", modules, 0644);
  if (!st.ok()) return std::move(st).error();
  st = write_file(root / "etc/initramfs-tools/conf.d/atelier.conf", "MODULES=list\n", 0644);
  if (!st.ok()) return std::move(st).error();
  st = steps.run("mkinitramfs " + kver, {.argv = {"chroot", root.string(), "mkinitramfs", "-o",
                                                  "/boot/initrd.atelier", kver},
                                         .timeout = 300s});
  if (!st.ok()) return std::move(st).error();
  fs::copy_file(root / ("boot/vmlinuz-" + kver), work / "vmlinuz", ec);
  if (ec) return Error(ErrorCode::kIo, "copy kernel: " + ec.message());
  fs::copy_file(root / "boot/initrd.atelier", work / "initrd.img", ec);
  if (ec) return Error(ErrorCode::kIo, "copy initrd: " + ec.message());
  fs::remove(root / "boot/initrd.atelier", ec);

  return kver;
}

void strip_root(const fs::path& root) {
  std::error_code ec;
  // 4. Clean what a running guest never needs, drop the build-only policy.
  fs::remove(root / "usr/sbin/policy-rc.d", ec);
  for (const char* d : {"var/cache/apt/archives", "var/lib/apt/lists"}) {
    for (auto& e : fs::directory_iterator(root / d, ec)) {
      if (e.is_regular_file()) fs::remove(e.path(), ec);
    }
  }
  for (const char* d : {"usr/share/doc", "usr/share/man", "usr/share/info"}) {
    fs::remove_all(root / d, ec);
    fs::create_directories(root / d, ec);
  }
}

Status make_disk(Steps& steps, const fs::path& root, const fs::path& work,
                 const ImageDefinition& def) {
  Status st = ok_status();
  std::error_code ec;
  // 5. Filesystem image (no loop device: mkfs copies the folder), then qcow2.
  const fs::path raw = work / "disk.raw";
  st = steps.run(
      "mkfs.ext4 -d (" + std::to_string(def.size_bytes >> 20) + " MiB)",
      {.argv = {"mkfs.ext4", "-q", "-F", "-L", "atelier-root", "-E", "root_owner=0:0", "-d",
                root.string(), raw.string(), std::to_string(def.size_bytes / 1024) + "k"},
       .timeout = 600s});
  if (!st.ok()) return st;
  fs::remove_all(root, ec);
  st = steps.run(
      "qemu-img convert -O qcow2",
      {.argv = {"qemu-img", "convert", "-O", "qcow2", raw.string(), (work / "disk.qcow2").string()},
       .timeout = 600s});
  if (!st.ok()) return st;
  fs::remove(raw, ec);

  return ok_status();
}

Status write_image_manifest(const fs::path& work, const ImageDefinition& def,
                            const std::string& hash, const std::string& kver, double seconds) {
  Status st = ok_status();
  boost::json::object manifest{
      {"name", def.name},         {"hash", hash},
      {"disk", "disk.qcow2"},     {"kernel", "vmlinuz"},
      {"initrd", "initrd.img"},   {"cmdline", def.cmdline},
      {"kernel_version", kver},   {"virtual_bytes", def.size_bytes},
      {"build_seconds", seconds}, {"definition", canonical_text(def)},
  };
  st = write_file(work / "image.json", boost::json::serialize(manifest) + "\n", 0644);
  if (!st.ok()) return st;
  for (const char* f : {"disk.qcow2", "vmlinuz", "initrd.img"}) {
    ::chmod((work / f).c_str(), 0644);
  }
  ::chmod(work.c_str(), 0755);

  return ok_status();
}

// Every stage in `work`: the root folder, the kernel and initrd, the disk, the manifest.
Status build_in(const fs::path& work, const ImageDefinition& def, const BuildOptions& opts,
                const std::string& hash, std::chrono::steady_clock::time_point start) {
  const fs::path root = work / "root";
  Steps steps(opts);
  ATELIER_RETURN_IF_ERROR(debootstrap_root(steps, root, def, opts));
  ATELIER_RETURN_IF_ERROR(configure_root(steps, root, def));
  auto kver = make_kernel(steps, root, work, def);
  if (!kver.ok()) return std::move(kver).error();
  strip_root(root);
  ATELIER_RETURN_IF_ERROR(make_disk(steps, root, work, def));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return write_image_manifest(work, def, hash, *kver, seconds);
}

// The image in `final_dir` when it was built from this definition (`hash`): marked as from the
// cache, with the definition's command line and the time the lookup took.
std::optional<BuiltImage> cached_build(const fs::path& final_dir, const ImageDefinition& def,
                                       const std::string& hash,
                                       std::chrono::steady_clock::time_point start) {
  auto cached = read_manifest(final_dir);
  if (!cached.ok() || cached->hash != hash) return std::nullopt;
  cached->from_cache = true;
  cached->cmdline = def.cmdline;
  cached->build_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::move(cached).value();
}

// The finished work folder becomes the image folder. An older build of the same hash (--force) is
// replaced.
Status move_into_place(const fs::path& work, const fs::path& final_dir) {
  std::error_code ec;
  if (fs::exists(final_dir, ec)) {
    fs::path old = final_dir.string() + ".old-" + std::to_string(getpid());
    fs::rename(final_dir, old, ec);
    fs::remove_all(old, ec);
  }
  fs::rename(work, final_dir, ec);
  if (ec) return Error(ErrorCode::kIo, "rename into " + final_dir.string() + ": " + ec.message());
  return ok_status();
}

}  // namespace

std::string image_dir(const ImageDefinition& def, const std::string& state_dir) {
  return (fs::path(state_dir) / "images" / (def.name + "-" + definition_hash(def).substr(0, 12)))
      .string();
}

Result<BuiltImage> find_built_image(const ImageDefinition& def, const std::string& state_dir) {
  auto img = read_manifest(image_dir(def, state_dir));
  if (!img.ok()) {
    return std::move(img).error().context("find image " + def.name + " (run `atelier image build " +
                                          def.name + "`)");
  }
  if (img->hash != definition_hash(def)) {
    return Error(ErrorCode::kNotFound, "image " + img->dir + " was built from another definition");
  }
  img->cmdline = def.cmdline;
  return img;
}

Result<BuiltImage> build_image(const ImageDefinition& def, const BuildOptions& opts) {
  const auto start = std::chrono::steady_clock::now();
  const std::string hash = definition_hash(def);
  const fs::path final_dir = image_dir(def, opts.state_dir);
  auto context = "build image " + def.name + " into " + final_dir.string();

  if (!opts.force) {
    if (auto cached = cached_build(final_dir, def, hash, start)) return *cached;
  }
  if (::geteuid() != 0) {
    return Error(ErrorCode::kPermissionDenied,
                 "building an image needs root (debootstrap and chroot); run as root")
        .context(context);
  }

  std::error_code ec;
  fs::create_directories(final_dir.parent_path(), ec);
  if (ec)
    return Error(ErrorCode::kIo, "create " + final_dir.parent_path().string() + ": " + ec.message())
        .context(context);
  make_traversable(final_dir.parent_path());

  // One build of a hash at a time on this machine (two `lab prove` runs, or atelierd and a
  // prove, asking for the same missing image): the second waits, then finds the first's image.
  const fs::path lock_path = final_dir.string() + ".lock";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0)
    return Error(ErrorCode::kIo, "open " + lock_path.string() + ": " + std::strerror(errno))
        .context(context);
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }  // closing releases the flock
  } unlock{lock_fd};
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (opts.progress)
      opts.progress("waiting for another build of " + def.name + " (" + lock_path.string() + ")");
    if (::flock(lock_fd, LOCK_EX) != 0) {
      return Error(ErrorCode::kIo, "lock " + lock_path.string() + ": " + std::strerror(errno))
          .context(context);
    }
    if (!opts.force) {
      if (auto cached = cached_build(final_dir, def, hash, start)) return *cached;
    }
  }
  const fs::path work = final_dir.string() + ".building-" + std::to_string(getpid());
  fs::remove_all(work, ec);
  fs::create_directories(work, ec);
  if (ec)
    return Error(ErrorCode::kIo, "create " + work.string() + ": " + ec.message()).context(context);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      if (!p.empty()) fs::remove_all(p, e);
    }
  } cleanup{work};

  if (auto st = build_in(work, def, opts, hash, start); !st.ok()) {
    return std::move(st).error().context(context);
  }
  if (auto st = move_into_place(work, final_dir); !st.ok()) {
    return std::move(st).error().context(context);
  }
  cleanup.p.clear();
  auto built = read_manifest(final_dir);
  if (!built.ok()) return std::move(built).error().context(context);
  built->from_cache = false;
  return built;
}

}  // namespace atelier::images
