#include "common/errors.h"

#include <cstdlib>

namespace brisk {
namespace {
constexpr std::string_view kTexts[] = {
#define BRISK_ERR_TEXT(name, text) text,
    BRISK_ERRORS(BRISK_ERR_TEXT)
#undef BRISK_ERR_TEXT
};
}  // namespace

std::string_view ErrorText(Err err) { return kTexts[static_cast<size_t>(err)]; }

std::string FormatError(Err err, std::initializer_list<std::string_view> args) {
  std::string_view text = ErrorText(err);
  std::string out;
  out.reserve(text.size() + 32);
  auto arg = args.begin();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == 's') {
      if (arg != args.end()) out.append(*arg++);
      ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

Err ErrorFor(OpStatus status) {
  switch (status) {
    case OpStatus::kWrongType: return Err::kWrongType;
    case OpStatus::kNotInteger: return Err::kNotInteger;
    case OpStatus::kNotFloat: return Err::kNotFloat;
    case OpStatus::kOverflow: return Err::kOverflow;
    case OpStatus::kNaNOrInf: return Err::kNaNOrInf;
    case OpStatus::kSyntax: return Err::kSyntax;
    case OpStatus::kOutOfRange: return Err::kOutOfRange;
    case OpStatus::kTooBig: return Err::kStringTooLong;
    case OpStatus::kSameObject: return Err::kSameObject;
    case OpStatus::kBusyKey: return Err::kBusyKey;
    case OpStatus::kOom: return Err::kOom;
    case OpStatus::kNotFound: return Err::kNoSuchKey;
    case OpStatus::kInvalidExpire:
    case OpStatus::kSkipped:
    case OpStatus::kOk: break;
  }
  abort();  // programming error: caller must handle these statuses itself
}

}  // namespace brisk
