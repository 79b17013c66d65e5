#include "commands/arg_parser.h"

#include "commands/context.h"
#include "common/numbers.h"

namespace brisk::cmd {

bool ArgParser::Check(std::string_view tag) {
  if (!HasNext() || !EqualsNoCase(args_[pos_], tag)) return false;
  ++pos_;
  return true;
}

std::string_view ArgParser::Next() {
  if (!HasNext()) {
    Fail(Err::kSyntax);
    return {};
  }
  return args_[pos_++];
}

int64_t ArgParser::NextInt64() {
  std::string_view arg = Next();
  int64_t v = 0;
  if (ok_ && !ParseInt64(arg, &v)) {
    Fail(Err::kNotInteger);
    return 0;
  }
  return v;
}

int64_t ArgParser::NextInt64InRange(int64_t lo, int64_t hi) {
  int64_t v = NextInt64();
  if (ok_ && (v < lo || v > hi)) {
    Fail(Err::kNotInteger);
    return 0;
  }
  return v;
}

void ArgParser::Fail(Err err, std::string_view arg) {
  if (!ok_) return;
  ok_ = false;
  error_ = err;
  error_arg_ = arg;
}

bool ArgParser::Finalize() {
  if (ok_ && pos_ < args_.size()) Fail(Err::kSyntax);
  return ok_;
}

void ArgParser::ReplyError(CommandContext* ctx) const {
  if (ErrorText(error_).find("%s") == std::string_view::npos) {
    ctx->Error(error_);
  } else {
    ctx->ErrorText(FormatError(error_, {error_arg_}));
  }
}

}  // namespace brisk::cmd
