# The tiny guest the console tests and bench/console_echo boot on the real libvirtd: a built
# image's kernel and initrd with a shell as init on ttyS0 (no disk), owned by an atelier session's
# metadata so atelierd opens its console. One copy; import it like browser.py.
import glob
import os
import subprocess

DOMAIN_XML = """<domain type='qemu'>
  <name>{name}</name>
  <metadata><atelier:owner xmlns:atelier="https://atelier.example/xmlns/provider/1" kind="domain"
    session="{session}" candidate="{candidate}" object="{host}"/></metadata>
  <memory unit='MiB'>128</memory><vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type><kernel>{kernel}</kernel><initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 rdinit=/bin/sh</cmdline></os>
  <devices><serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console></devices>
</domain>"""


def virsh(*args, check=True):
    return subprocess.run(["virsh", "-q", "-c", "qemu:///system", *args], check=check,
                          capture_output=True, text=True)


def built_kernel():
    """(vmlinuz, initrd.img) of an image built under /var/lib/atelier/images, or None."""
    for k in glob.glob("/var/lib/atelier/images/*/vmlinuz"):
        initrd = os.path.join(os.path.dirname(k), "initrd.img")
        if os.path.exists(initrd) and ".building-" not in k:
            return k, initrd
    return None
