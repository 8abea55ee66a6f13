// RE2 behind atelier's Regex (see regex.h).
#include "common/text/regex.h"

#include <re2/re2.h>

namespace atelier::text {

Result<Regex> Regex::compile(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_never_capture(true);  // only the whole match is used
  auto re = std::make_shared<const RE2>("(?m)" + std::string(pattern), options);
  if (!re->ok()) {
    // RE2 quotes the pattern it was given: say it without the line-mode prefix added here.
    std::string why = re->error();
    if (auto at = why.find("(?m)"); at != std::string::npos) why.erase(at, 4);
    return Error(ErrorCode::kInvalidArgument, "not a valid regex: " + why);
  }
  return Regex(std::move(re));
}

std::optional<std::string_view> Regex::search(std::string_view text) const {
  re2::StringPiece whole;
  if (!re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED,
                  &whole, 1)) {
    return std::nullopt;
  }
  return std::string_view(whole.data(), whole.size());
}

}  // namespace atelier::text
