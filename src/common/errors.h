// The one table of client-visible error texts. Every "-..." a client can see is
// produced from a row here, byte-identical to Redis 7's text where Redis has the
// same error. Texts exclude the leading '-' and the trailing CRLF. "%s" marks an
// argument substituted by FormatError (in order); rows without "%s" are used as is.
//
// Thread safety: immutable data; safe anywhere.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "common/status.h"

namespace brisk {

#define BRISK_ERRORS(X)                                                                          \
  X(kWrongType, "WRONGTYPE Operation against a key holding the wrong kind of value")            \
  X(kNotInteger, "ERR value is not an integer or out of range")                                  \
  X(kNotFloat, "ERR value is not a valid float")                                                 \
  X(kSyntax, "ERR syntax error")                                                                 \
  X(kOverflow, "ERR increment or decrement would overflow")                                      \
  X(kNaNOrInf, "ERR increment would produce NaN or Infinity")                                    \
  X(kHashNotInteger, "ERR hash value is not an integer")                                         \
  X(kHashNotFloat, "ERR hash value is not a float")                                              \
  X(kZMinMaxNotFloat, "ERR min or max is not a float")                                           \
  X(kZMinMaxNotLex, "ERR min or max not valid string range item")                                \
  X(kZScoreNaN, "ERR resulting score is not a number (NaN)")                                     \
  X(kZXxNx, "ERR XX and NX options at the same time are not compatible")                         \
  X(kZGtLtNx, "ERR GT, LT, and/or NX options at the same time are not compatible")               \
  X(kZIncrPair, "ERR INCR option supports a single increment-element pair")                      \
  X(kZWeightNotFloat, "ERR weight value is not a float")                                         \
  X(kZAtLeastOneKey, "ERR at least 1 input key is needed for '%s' command")                      \
  X(kZLimitNeedsRange,                                                                           \
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")     \
  X(kZWithScoresByLex, "ERR syntax error, WITHSCORES not supported in combination with BYLEX")   \
  X(kZCountPositive, "ERR count should be greater than 0")                                       \
  X(kValueNaNOrInf, "ERR value is NaN or Infinity")                                              \
  X(kNumkeysPositive, "ERR numkeys should be greater than 0")                                    \
  X(kNumkeysTooMany, "ERR Number of keys can't be greater than number of args")                  \
  X(kLimitNegative, "ERR LIMIT can't be negative")                                               \
  X(kNoSuchKey, "ERR no such key")                                                               \
  X(kOutOfRange, "ERR value is out of range")                                                    \
  X(kMustBePositive, "ERR value is out of range, must be positive")                              \
  X(kOffsetOutOfRange, "ERR offset is out of range")                                             \
  X(kStringTooLong, "ERR string exceeds maximum allowed size (proto-max-bulk-len)")              \
  X(kInvalidExpire, "ERR invalid expire time in '%s' command")                                   \
  X(kWrongArity, "ERR wrong number of arguments for '%s' command")                               \
  X(kUnknownCommand, "ERR unknown command '%s', with args beginning with: %s")                   \
  X(kUnknownSubcommand, "ERR unknown subcommand '%s'. Try %s HELP.")                             \
  X(kUnknownSubcommandOrArity,                                                                   \
    "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP.")                \
  X(kDbIndexOutOfRange, "ERR DB index is out of range")                                          \
  X(kInvalidFirstDb, "ERR invalid first DB index")                                               \
  X(kInvalidSecondDb, "ERR invalid second DB index")                                             \
  X(kSameObject, "ERR source and destination objects are the same")                              \
  X(kBusyKey, "BUSYKEY Target key name already exists.")                                         \
  X(kNoScript, "NOSCRIPT No matching script. Please use EVAL.")                                  \
  X(kNumkeysNegative, "ERR Number of keys can't be negative")                                    \
  X(kScriptCompile, "ERR Error compiling script (new function): %s")                             \
  X(kScriptUnknownCommand, "ERR Unknown Redis command called from script")                       \
  X(kScriptWrongArity, "ERR Wrong number of args calling Redis command from script")             \
  X(kScriptNotAllowed, "ERR This Redis command is not allowed from script")                      \
  X(kScriptWriteInRo, "ERR Write commands are not allowed from read-only scripts.")              \
  X(kScriptArgType, "ERR Lua redis lib command arguments must be strings or integers")           \
  X(kScriptNoArgs, "ERR Please specify at least one argument for this redis lib call")           \
  X(kScriptSetrespArgs, "ERR redis.setresp() requires one argument.")                            \
  X(kScriptSetrespVersion, "ERR RESP version must be 2 or 3.")                                   \
  X(kScriptLogArgs, "ERR redis.log() requires two arguments or more.")                           \
  X(kScriptLogLevel, "ERR Invalid debug level.")                                                 \
  X(kScriptLogLevelType, "ERR First argument must be a number (log level).")                     \
  X(kScriptSha1Args, "ERR wrong number of arguments")                                            \
  X(kScriptReplyArgs, "ERR wrong number or type of arguments")                                   \
  X(kScriptGlobalRead, "Script attempted to access nonexistent global variable '%s'")            \
  X(kScriptReadonlyTable, "Attempt to modify a readonly table")                                  \
  X(kScriptWhere, "%s script: %s, on %s:%s.")                                                    \
  X(kScriptRunError, "ERR Error running script (call to f_%s): %s")                              \
  X(kScriptKilled, "ERR Script killed by user with SCRIPT KILL...")                              \
  X(kScriptBusy,                                                                                 \
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")    \
  X(kScriptNotBusy, "NOTBUSY No scripts in execution right now.")                                \
  X(kScriptFlushOption, "ERR SCRIPT FLUSH only support SYNC|ASYNC option")                       \
  X(kScriptShebangEngine, "ERR Unexpected engine in script shebang: %s")                         \
  X(kScriptShebangOption, "ERR Unknown lua shebang option: %s")                                  \
  X(kScriptShebangFlag, "ERR Unexpected flag in script shebang: %s")                             \
  X(kScriptUnkillable,                                                                           \
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You "      \
    "can either wait the script termination or kill the server in a hard way using the "         \
    "SHUTDOWN NOSAVE command.")                                                                  \
  X(kInvalidCursor, "ERR invalid cursor")                                                        \
  X(kExpireNxXxGtLt, "ERR NX and XX, GT or LT options at the same time are not compatible")      \
  X(kExpireGtLt, "ERR GT and LT options at the same time are not compatible")                    \
  X(kUnsupportedOption, "ERR Unsupported option %s")                                             \
  X(kNoAuth, "NOAUTH Authentication required.")                                                  \
  X(kWrongPass, "WRONGPASS invalid username-password pair or user is disabled.")                 \
  X(kAuthNotConfigured,                                                                          \
    "ERR AUTH <password> called without any password configured for the default user. Are you " \
    "sure your configuration is correct?")                                                       \
  X(kNoProto, "NOPROTO unsupported protocol version")                                            \
  X(kMaxClients, "ERR max number of clients reached")                                            \
  X(kMultiNested, "ERR MULTI calls can not be nested")                                           \
  X(kExecWithoutMulti, "ERR EXEC without MULTI")                                                 \
  X(kDiscardWithoutMulti, "ERR DISCARD without MULTI")                                           \
  X(kWatchInMulti, "ERR WATCH inside MULTI is not allowed")                                      \
  X(kExecAbort, "EXECABORT Transaction discarded because of previous errors.")                   \
  X(kExecAbortBusy,                                                                              \
    "EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You can "  \
    "only call SCRIPT KILL or SHUTDOWN NOSAVE.")                                                 \
  X(kNotAllowedInMulti, "ERR Command not allowed inside a transaction")                          \
  X(kSubscribeContext,                                                                           \
    "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "  \
    "allowed in this context")                                                                   \
  X(kNoSuchClient, "ERR No such client")                                                         \
  X(kClientNameChars,                                                                            \
    "ERR Client names cannot contain spaces, newlines or special characters.")                   \
  X(kConfigUnknown, "ERR Unknown option or number of arguments for CONFIG SET - '%s'")           \
  X(kConfigSetFailed, "ERR CONFIG SET failed (possibly related to argument '%s') - %s")          \
  X(kConfigDuplicate, "ERR CONFIG SET failed (possibly related to argument '%s') - duplicate parameter") \
  X(kTimeoutNotFloat, "ERR timeout is not a float or out of range")                              \
  X(kTimeoutNegative, "ERR timeout is negative")                                                 \
  X(kOom, "OOM command not allowed when used memory > 'maxmemory'.")                             \
  X(kLoading, "LOADING Redis is loading the dataset in memory")                                  \
  X(kMisconf,                                                                                    \
    "MISCONF Errors writing to the AOF file: %s")                                                \
  X(kRewriteInProgress, "ERR Background append only file rewriting already in progress")       \
  X(kRewriteFailed,                                                                              \
    "ERR Can't execute an AOF background rewriting. Please check the server logs for more "     \
    "information.")                                                                              \
  X(kNoPerm, "NOPERM User %s has no permissions to run the '%s' command")                        \
  X(kProtocolMultibulkLen, "ERR Protocol error: invalid multibulk length")                       \
  X(kProtocolBulkLen, "ERR Protocol error: invalid bulk length")                                 \
  X(kProtocolExpectedDollar, "ERR Protocol error: expected '$', got '%s'")                       \
  X(kProtocolBigMbulk, "ERR Protocol error: too big mbulk count string")                         \
  X(kProtocolBigBulk, "ERR Protocol error: too big bulk count string")                           \
  X(kProtocolBigInline, "ERR Protocol error: too big inline request")                            \
  X(kProtocolQuotes, "ERR Protocol error: unbalanced quotes in request")                         \
  X(kQueryBufferLimit, "ERR Protocol error: query buffer limit reached")                         \
  X(kProtectedMode,                                                                              \
    "DENIED Redis is running in protected mode because protected mode is enabled and no "        \
    "password is set for the default user. In this mode connections are only accepted from the " \
    "loopback interface. If you want to connect from external computers to Redis you may adopt " \
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG " \
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "   \
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "       \
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively " \
    "you can just disable the protected mode by editing the Redis configuration file, and "      \
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "      \
    "started the server manually just for testing, restart it with the '--protected-mode no' "   \
    "option. 4) Set up an authentication password for the default user. NOTE: You only need to " \
    "do one of the above things in order for the server to start accepting connections from "    \
    "the outside.")                                                                              \
  X(kDecrementOverflow, "ERR decrement would overflow")                                         \
  X(kLcsNotString, "ERR The specified keys must contain string values")                          \
  X(kLcsLenAndIdx, "ERR If you want both the length and indexes, please just use IDX.")          \
  X(kLcsTooBig,                                                                                  \
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")             \
  X(kTableNotFound, "ERR no such table")                                                         \
  X(kNotSupported, "ERR %s is not supported by Brisk")                                           \
  X(kHelloProtoNotInt, "ERR Protocol version is not an integer or out of range")                 \
  X(kHelloSyntax, "ERR Syntax error in HELLO option '%s'")                                       \
  X(kHelloNoAuth,                                                                                \
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the "          \
    "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "        \
    "select the RESP protocol version at the same time")                                         \
  X(kUnknownClientType, "ERR Unknown client type '%s'")                                          \
  X(kInvalidClientId, "ERR Invalid client ID")                                                   \
  X(kClientIdNotPositive, "ERR client-id should be greater than 0")                              \
  X(kNoSuchUser, "ERR No such user '%s'")                                                        \
  X(kSetinfoUnrecognized, "ERR Unrecognized option '%s'")                                        \
  X(kSetinfoChars, "ERR %s cannot contain spaces, newlines or special characters.")              \
  X(kPauseMode, "ERR CLIENT PAUSE mode must be WRITE or ALL")                                    \
  X(kUnblockReason, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")                      \
  X(kUnblocked, "UNBLOCKED client unblocked via CLIENT UNBLOCK")                                 \
  X(kTimeoutNotInteger, "ERR timeout is not an integer or out of range")                         \
  X(kTimeoutOutOfRange, "ERR timeout is out of range")                                           \
  X(kNoShutdown, "ERR No shutdown in progress.")                                                 \
  X(kSlowlogCount, "ERR count should be greater than or equal to -1")                            \
  X(kIndexOutOfRange, "ERR index out of range")                                                  \
  X(kCountPositive, "ERR count should be greater than 0")                                        \
  X(kLposRankZero,                                                                               \
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "        \
    "or use negative to start from the end of the list")                                         \
  X(kLposCountNegative, "ERR COUNT can't be negative")                                           \
  X(kLposMaxlenNegative, "ERR MAXLEN can't be negative")                                         \
  X(kLposRankRange,                                                                              \
    "ERR value is out of range, value must between -9223372036854775807 and "                    \
    "9223372036854775807")                                                                       \
  X(kLfuNotSelected,                                                                             \
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "         \
    "note that when switching between policies at runtime LRU and LFU data will take "           \
    "some time to adjust.")                                                                      \
  X(kLfuSelected,                                                                                \
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that "          \
    "when switching between policies at runtime LRU and LFU data will take some time to "        \
    "adjust.")                                                                                   \
  X(kInvalidCommandSpecified, "ERR Invalid command specified")                                   \
  X(kInvalidCommandArity, "ERR Invalid number of arguments specified for command")               \
  X(kCommandNoKeys, "ERR The command has no key arguments")                                      \
  X(kNoConfigFile, "ERR The server is running without a config file")                           \
  X(kTrackingRedirectTwice, "ERR A client can only redirect to a single other client")          \
  X(kTrackingRedirectMissing, "ERR The client ID you want redirect to does not exist")          \
  X(kTrackingPrefixNeedsBcast, "ERR PREFIX option requires BCAST mode to be enabled")           \
  X(kTrackingBcastSwitch,                                                                        \
    "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "     \
    "then re-enabling it with a different mode.")                                                \
  X(kTrackingOptBcast, "ERR OPTIN and OPTOUT are not compatible with BCAST")                     \
  X(kTrackingOptinOptout, "ERR You can't use both OPTIN and OPTOUT")                             \
  X(kTrackingOptSwitch,                                                                          \
    "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "     \
    "then re-enabling it with a different mode.")                                                \
  X(kTrackingPrefixOverlapExisting,                                                              \
    "ERR Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for a single client must "  \
    "not overlap.")                                                                              \
  X(kTrackingPrefixOverlapOther,                                                                 \
    "ERR Prefix '%s' overlaps with another provided prefix '%s'. Prefixes for a single client "  \
    "must not overlap.")                                                                         \
  X(kCachingNotTracking,                                                                         \
    "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "   \
    "OPTOUT mode enabled")                                                                       \
  X(kCachingYesNotOptin,                                                                         \
    "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")              \
  X(kCachingNoNotOptout,                                                                         \
    "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")              \
  X(kRestUnauthorized,                                                                           \
    "ERR unauthorized: missing or invalid token")                                                \
  X(kRestNoPermKeys,                                                                             \
    "NOPERM this token has no permissions to access one of the keys used as arguments")          \
  X(kRestNoPermTable,                                                                            \
    "NOPERM this token has no %s permission on table '%s'")                                      \
  X(kRestNotAvailable,                                                                           \
    "ERR '%s' is not available over the REST API%s")                                             \
  X(kRestBadJson,                                                                                \
    "ERR request body is not valid JSON")                                                        \
  X(kRestBadCommand,                                                                             \
    "ERR a command must be a non-empty JSON array of strings and numbers")                       \
  X(kRestBadBody,                                                                                \
    "ERR bad request body: %s")                                                                  \
  X(kRestBadParam,                                                                               \
    "ERR invalid value for '%s'")                                                                \
  X(kRestBadTtl,                                                                                 \
    "ERR invalid ttl '%s': use seconds or 30s, 5m, 1h, 2d, 1w")                                  \
  X(kRestNotFound,                                                                               \
    "ERR no such endpoint '%s'")                                                                 \
  X(kRestMethodNotAllowed,                                                                       \
    "ERR method %s is not allowed on '%s'")                                                      \
  X(kRestBadRequest,                                                                             \
    "ERR malformed HTTP request")                                                                \
  X(kRestBodyTooLarge,                                                                           \
    "ERR request body exceeds http-max-body")                                                    \
  X(kRestHeadersTooLarge,                                                                        \
    "ERR request headers exceed http-max-header-size")                                           \
  X(kRestItemChanged,                                                                            \
    "ERR precondition failed: the item's version does not match If-Match")                       \
  X(kRestItemExists,                                                                             \
    "ERR precondition failed: the item exists (If-None-Match: *)")                               \
  X(kRestPaused,                                                                                 \
    "ERR the command was held by CLIENT PAUSE issued in the same request")                       \
  X(kRestTableEventsOff,                                                                         \
    "ERR table events are off: add T and event classes to notify-keyspace-events (e.g. "        \
    "CONFIG SET notify-keyspace-events TA)")                                                     \
  X(kRestShuttingDown,                                                                           \
    "ERR the server is shutting down")

enum class Err : uint16_t {
#define BRISK_ERR_ENUM(name, text) name,
  BRISK_ERRORS(BRISK_ERR_ENUM)
#undef BRISK_ERR_ENUM
};

// The row's text, "%s" unsubstituted.
std::string_view ErrorText(Err err);

// The row's text with each "%s" replaced by the next argument (missing ones by "").
std::string FormatError(Err err, std::initializer_list<std::string_view> args);

// The error a client sees for a failed engine op. REQUIRES: status != kOk and
// status has a generic text (not kNotFound / kSkipped, which are not errors).
Err ErrorFor(OpStatus status);

}  // namespace brisk
