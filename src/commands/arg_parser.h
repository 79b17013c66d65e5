// ArgParser: a cursor over a command's arguments whose first error sticks (Dragonfly's
// CmdArgParser). A handler reads its whole argument list, then checks ok() once and
// replies with the recorded error, instead of testing after every step.
//
// Thread safety: a value on the handler's stack; never shared.
//
// Contract:
//   1. After the first failure, error() keeps that failure; later Next*() calls consume
//      nothing and return a neutral value (empty view, 0), and Check() returns false.
//   2. The parser never allocates: views point into the command's arguments, which
//      outlive the handler call. ReplyError() may allocate (error path only).
//   3. Tags (Check) compare ASCII case-insensitively, like Redis's strcasecmp.
//   4. Integers follow Redis's string2ll (ParseInt64); a failure records kNotInteger,
//      the text of getLongLongFromObjectOrReply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "commands/command.h"
#include "common/ascii.h"
#include "common/errors.h"

namespace brisk::cmd {

class CommandContext;

class ArgParser {
 public:
  // Starts at args[pos]; args[0] is the command name, so the default skips it.
  explicit ArgParser(CmdArgs args, size_t pos = 1) : args_(args), pos_(pos) {}

  bool ok() const { return ok_; }
  Err error() const { return error_; }
  // The argument substituted for the "%s" of the error's row, if it has one.
  std::string_view error_arg() const { return error_arg_; }

  // True if no error is recorded and an argument is left.
  bool HasNext() const { return ok_ && pos_ < args_.size(); }
  size_t Remaining() const { return pos_ < args_.size() ? args_.size() - pos_ : 0; }
  // The next argument without consuming it. REQUIRES: HasNext().
  std::string_view Peek() const { return args_[pos_]; }

  // Consumes the next argument if it equals `tag` (contract 3).
  bool Check(std::string_view tag);
  // Consumes the next argument; records kSyntax if none is left.
  std::string_view Next();
  // Consumes the next argument as an int64 (contract 4).
  int64_t NextInt64();
  // Consumes the next argument as an int64 in [lo, hi]; out of range also records
  // kNotInteger (Redis's getIntFromObjectOrReply for 32-bit ranges).
  int64_t NextInt64InRange(int64_t lo, int64_t hi);

  // Records `err` unless an error is already recorded (contract 1).
  void Fail(Err err, std::string_view arg = {});

  // Records kSyntax if arguments are left over; returns ok().
  bool Finalize();

  // Replies with the recorded error. REQUIRES: !ok().
  void ReplyError(CommandContext* ctx) const;

 private:
  CmdArgs args_;
  size_t pos_;
  bool ok_ = true;
  Err error_ = Err::kSyntax;
  std::string_view error_arg_;
};

}  // namespace brisk::cmd
