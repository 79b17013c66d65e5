// The CLIENT container (with TRACKING, CACHING, GETREDIR, TRACKINGINFO: commands/tracking.h),
// with Redis 7.2's replies and error texts.
#include <algorithm>
#include <climits>
#include <cstdio>
#include <string>
#include <utility>

#include "commands/arg_parser.h"
#include "commands/context.h"
#include "commands/dispatcher.h"
#include "commands/families.h"
#include "commands/server_family.h"
#include "common/numbers.h"

namespace brisk::cmd {
namespace {

enum class ClientType { kNormal, kPubSub, kReplica, kMaster };

bool ParseClientType(std::string_view s, ClientType* out) {
  if (EqualsNoCase(s, "normal")) {
    *out = ClientType::kNormal;
  } else if (EqualsNoCase(s, "pubsub")) {
    *out = ClientType::kPubSub;
  } else if (EqualsNoCase(s, "slave") || EqualsNoCase(s, "replica")) {
    *out = ClientType::kReplica;
  } else if (EqualsNoCase(s, "master")) {
    *out = ClientType::kMaster;
  } else {
    return false;
  }
  return true;
}

// Redis's getClientType: a MONITOR client counts as normal.
ClientType TypeOf(const ClientState& c) {
  return c.subscriptions > 0 ? ClientType::kPubSub : ClientType::kNormal;
}

std::string ClientFlags(const ClientState& c) {
  const std::pair<bool, char> flags[] = {
      {c.monitor, 'O'},        {c.subscriptions > 0, 'P'}, {c.in_multi, 'x'},
      {c.blocked, 'b'},        {c.tracking.on, 't'},       {c.tracking.broken_redirect, 'R'},
      {c.tracking.bcast, 'B'}, {c.dirty_cas, 'd'},         {c.close_after_reply, 'c'},
      {c.is_unix, 'U'},        {c.no_evict, 'e'},          {c.no_touch, 'T'},
  };
  char buf[std::size(flags)];
  size_t n = 0;
  for (auto [on, ch] : flags) {
    if (on) buf[n++] = ch;
  }
  return n == 0 ? std::string("N") : std::string(buf, n);
}

// One line of CLIENT LIST / CLIENT INFO (Redis 7.2's catClientInfoString), without
// the trailing newline. The calling client reports the command being run (`cmd`) and
// its argument bytes, as Redis does; others report their last command.
std::string ClientInfoLine(const ClientState& c, const CommandContext& ctx, std::string_view cmd,
                           size_t argv_mem) {
  constexpr size_t kReplyBufSize = 1024;  // rbs: the connection's reusable reply buffer
  int64_t now = ctx.now_ms();
  bool self = &c == ctx.client();
  std::string_view last = self ? cmd : c.last_cmd;
  size_t arg_bytes = self ? argv_mem : 0;
  size_t qbuf_free = c.query_buf_cap > c.query_buf_len ? c.query_buf_cap - c.query_buf_len : 0;
  size_t tot = c.query_buf_cap + arg_bytes + c.queued_bytes + kReplyBufSize + c.output_len +
               sizeof(ClientState);
  long long age = c.created_ms > 0 ? (now - c.created_ms) / 1000 : 0;
  long long idle = c.last_interaction_ms > 0 ? (now - c.last_interaction_ms) / 1000 : 0;
  char buf[512];
  int n = snprintf(buf, sizeof(buf),
                   " age=%lld idle=%lld flags=%s db=%d sub=%zu psub=%zu ssub=%zu multi=%lld "
                   "qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=%zu rbs=%zu rbp=0 obl=%zu "
                   "oll=0 omem=0 tot-mem=%zu events=r cmd=",
                   age, idle, ClientFlags(c).c_str(), c.db_index, c.channels().size(),
                   c.patterns().size(), c.shard_channels().size(),
                   c.in_multi ? (long long)c.queued.size() : -1LL, c.query_buf_len, qbuf_free,
                   arg_bytes, c.queued_bytes, kReplyBufSize, c.output_len, tot);
  std::string line;
  line.reserve(256 + c.name.size());
  line.append("id=").append(std::to_string(c.id));
  line.append(" addr=").append(c.addr);
  line.append(" laddr=").append(c.laddr);
  line.append(" fd=").append(std::to_string(c.fd));
  line.append(" name=").append(c.name);
  line.append(buf, size_t(std::max(n, 0)));
  line.append(last);
  line.append(" user=").append(c.user);
  line.append(" redir=").append(c.tracking.on ? std::to_string(c.tracking.redirect) : "-1");
  line.append(" resp=").append(std::to_string(c.resp));
  line.append(" lib-name=").append(c.lib_name);
  line.append(" lib-ver=").append(c.lib_ver);
  return line;
}

size_t ArgBytes(CmdArgs args) {
  size_t n = 0;
  for (auto a : args) n += a.size();
  return n;
}

void ClientId(CmdArgs, CommandContext* ctx) {
  ctx->rb()->Integer(int64_t(ctx->client()->id));
}

void ClientGetName(CmdArgs, CommandContext* ctx) {
  const std::string& name = ctx->client()->name;
  if (name.empty()) return ctx->rb()->Null();
  ctx->rb()->Bulk(name);
}

void ClientSetName(CmdArgs args, CommandContext* ctx) {
  if (!ValidClientAttr(args[2])) return ctx->Error(Err::kClientNameChars);
  ctx->client()->name = std::string(args[2]);
  ctx->rb()->Ok();
}

void ClientSetInfo(CmdArgs args, CommandContext* ctx) {
  std::string* dest;
  if (EqualsNoCase(args[2], "lib-name")) {
    dest = &ctx->client()->lib_name;
  } else if (EqualsNoCase(args[2], "lib-ver")) {
    dest = &ctx->client()->lib_ver;
  } else {
    return ctx->ErrorText(FormatError(Err::kSetinfoUnrecognized, {args[2]}));
  }
  if (!ValidClientAttr(args[3])) {
    return ctx->ErrorText(FormatError(Err::kSetinfoChars, {args[2]}));
  }
  *dest = std::string(args[3]);
  ctx->rb()->Ok();
}

void ClientInfo(CmdArgs args, CommandContext* ctx) {
  std::string line = ClientInfoLine(*ctx->client(), *ctx, "client|info", ArgBytes(args));
  line += '\n';
  ctx->rb()->Verbatim(line);
}

// CLIENT LIST [TYPE type] | [ID id [id ...]]
void ClientList(CmdArgs args, CommandContext* ctx) {
  std::vector<ClientState*> all = ctx->server()->hooks->Clients();
  size_t argv_mem = ArgBytes(args);
  std::string out;
  auto add = [&](const ClientState& c) {
    out += ClientInfoLine(c, *ctx, "client|list", argv_mem);
    out += '\n';
  };
  if (args.size() == 4 && EqualsNoCase(args[2], "type")) {
    ClientType type;
    if (!ParseClientType(args[3], &type)) {
      return ctx->ErrorText(FormatError(Err::kUnknownClientType, {args[3]}));
    }
    for (ClientState* c : all) {
      if (TypeOf(*c) == type) add(*c);
    }
  } else if (args.size() > 3 && EqualsNoCase(args[2], "id")) {
    for (size_t i = 3; i < args.size(); ++i) {
      int64_t id;
      if (!ParseInt64(args[i], &id)) return ctx->Error(Err::kInvalidClientId);
      for (ClientState* c : all) {
        if (c->id == uint64_t(id)) add(*c);
      }
    }
  } else if (args.size() != 2) {
    return ctx->Error(Err::kSyntax);
  } else {
    for (ClientState* c : all) add(*c);
  }
  ctx->rb()->Verbatim(out);
}

struct KillFilter {
  std::string_view addr, laddr;
  bool has_addr = false, has_laddr = false, has_type = false, has_user = false;
  ClientType type = ClientType::kNormal;
  std::string_view user;
  uint64_t id = 0;
  bool skipme = true;

  bool Matches(const ClientState& c, const ClientState* self) const {
    if (has_addr && c.addr != addr) return false;
    if (has_laddr && c.laddr != laddr) return false;
    if (has_type && TypeOf(c) != type) return false;
    if (id != 0 && c.id != id) return false;
    if (has_user && c.user != user) return false;
    return !(skipme && &c == self);
  }
};

// Parses the new form's filters; replies and returns false on error.
bool ParseKillFilters(CmdArgs args, CommandContext* ctx, KillFilter* f) {
  for (size_t i = 2; i < args.size(); i += 2) {
    std::string_view opt = args[i];
    if (i + 1 >= args.size()) {
      ctx->Error(Err::kSyntax);
      return false;
    }
    std::string_view val = args[i + 1];
    if (EqualsNoCase(opt, "id")) {
      int64_t id;
      if (!ParseInt64(val, &id) || id < 1) {
        ctx->Error(Err::kClientIdNotPositive);
        return false;
      }
      f->id = uint64_t(id);
    } else if (EqualsNoCase(opt, "type")) {
      if (!ParseClientType(val, &f->type)) {
        ctx->ErrorText(FormatError(Err::kUnknownClientType, {val}));
        return false;
      }
      f->has_type = true;
    } else if (EqualsNoCase(opt, "addr")) {
      f->addr = val;
      f->has_addr = true;
    } else if (EqualsNoCase(opt, "laddr")) {
      f->laddr = val;
      f->has_laddr = true;
    } else if (EqualsNoCase(opt, "user")) {
      if (val != "default") {
        ctx->ErrorText(FormatError(Err::kNoSuchUser, {val}));
        return false;
      }
      f->user = val;
      f->has_user = true;
    } else if (EqualsNoCase(opt, "skipme")) {
      if (EqualsNoCase(val, "yes")) {
        f->skipme = true;
      } else if (EqualsNoCase(val, "no")) {
        f->skipme = false;
      } else {
        ctx->Error(Err::kSyntax);
        return false;
      }
    } else {
      ctx->Error(Err::kSyntax);
      return false;
    }
  }
  return true;
}

// CLIENT KILL addr:port (old form: may kill the caller; +OK or "No such client")
// CLIENT KILL <filter> <value> ... (new form: replies the count; skips the caller
// unless SKIPME no). The caller is closed after its reply, others at once.
void ClientKill(CmdArgs args, CommandContext* ctx) {
  KillFilter f;
  bool old_form = args.size() == 3;
  if (old_form) {
    f.addr = args[2];
    f.has_addr = true;
    f.skipme = false;
  } else if (!ParseKillFilters(args, ctx, &f)) {
    return;
  }
  ClientState* self = ctx->client();
  int64_t killed = 0;
  for (ClientState* c : ctx->server()->hooks->Clients()) {
    if (!f.Matches(*c, self)) continue;
    if (c == self) {
      c->close_after_reply = true;
    } else {
      ctx->server()->hooks->KillClient(c);
    }
    ++killed;
  }
  if (!old_form) return ctx->rb()->Integer(killed);
  if (killed == 0) return ctx->Error(Err::kNoSuchClient);
  ctx->rb()->Ok();
}

// CLIENT REPLY: the dispatcher drops replies per reply_mode after the handler runs,
// so OFF and SKIP reply nothing here and ON's +OK survives.
void ClientReply(CmdArgs args, CommandContext* ctx) {
  using Mode = ClientState::ReplyMode;
  ClientState* c = ctx->client();
  if (EqualsNoCase(args[2], "on")) {
    c->reply_mode = Mode::kOn;
    ctx->rb()->Ok();
  } else if (EqualsNoCase(args[2], "off")) {
    c->reply_mode = Mode::kOff;
  } else if (EqualsNoCase(args[2], "skip")) {
    if (c->reply_mode != Mode::kOff) c->reply_mode = Mode::kSkipNext;
  } else {
    ctx->Error(Err::kSyntax);
  }
}

void SetOnOff(CmdArgs args, CommandContext* ctx, bool* flag) {
  if (EqualsNoCase(args[2], "on")) {
    *flag = true;
  } else if (EqualsNoCase(args[2], "off")) {
    *flag = false;
  } else {
    return ctx->Error(Err::kSyntax);
  }
  ctx->rb()->Ok();
}

void ClientNoEvict(CmdArgs args, CommandContext* ctx) {
  SetOnOff(args, ctx, &ctx->client()->no_evict);
}

void ClientNoTouch(CmdArgs args, CommandContext* ctx) {
  SetOnOff(args, ctx, &ctx->client()->no_touch);
}

// CLIENT PAUSE timeout-ms [WRITE|ALL]. As Redis, a running pause is never shortened:
// the later deadline wins.
void ClientPause(CmdArgs args, CommandContext* ctx) {
  if (args.size() > 4) {
    return ctx->ErrorText(FormatError(Err::kUnknownSubcommandOrArity, {args[1], "CLIENT"}));
  }
  bool write_only = false;
  if (args.size() == 4) {
    if (EqualsNoCase(args[3], "write")) {
      write_only = true;
    } else if (!EqualsNoCase(args[3], "all")) {
      return ctx->Error(Err::kPauseMode);
    }
  }
  int64_t ms;
  if (!ParseInt64(args[2], &ms)) return ctx->Error(Err::kTimeoutNotInteger);
  if (ms < 0) return ctx->Error(Err::kTimeoutNegative);
  int64_t now = ctx->now_ms();
  if (ms > INT64_MAX - now) return ctx->Error(Err::kTimeoutOutOfRange);
  Dispatcher* d = ctx->server()->dispatcher;
  int64_t until = std::max(ms > 0 ? now + ms : 0, d->paused(now) ? d->paused_until_ms() : 0);
  d->Pause(until, write_only);
  ctx->server()->hooks->PauseClients(until, write_only);
  ctx->rb()->Ok();
}

void ClientUnpause(CmdArgs, CommandContext* ctx) {
  ctx->server()->dispatcher->Unpause();
  ctx->server()->hooks->UnpauseClients();
  ctx->rb()->Ok();
}

// Unblocks a client blocked in BLPOP & co. (commands/blocking.h): 1 if it was blocked.
void ClientUnblock(CmdArgs args, CommandContext* ctx) {
  if (args.size() > 4) {
    return ctx->ErrorText(FormatError(Err::kUnknownSubcommandOrArity, {args[1], "CLIENT"}));
  }
  if (args.size() == 4 && !EqualsNoCase(args[3], "timeout") && !EqualsNoCase(args[3], "error")) {
    return ctx->Error(Err::kUnblockReason);
  }
  int64_t id;
  if (!ParseInt64(args[2], &id)) return ctx->Error(Err::kNotInteger);
  bool with_error = args.size() == 4 && EqualsNoCase(args[3], "error");
  ctx->rb()->Integer(UnblockClientById(ctx->server(), uint64_t(id), with_error) ? 1 : 0);
}

// ---------------------------------------------------------------------------------
// Client-side caching: the handlers parse; commands/tracking.h holds every rule.

// CLIENT TRACKING on|off [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP].
// Options are parsed (and REDIRECT's target looked up) before on/off, as in Redis.
void ClientTrackingCmd(CmdArgs args, CommandContext* ctx) {
  TrackingRequest req;
  int64_t redirect = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    bool more = j + 1 < args.size();
    std::string_view opt = args[j];
    if (EqualsNoCase(opt, "redirect") && more) {
      if (redirect != 0) return ctx->Error(Err::kTrackingRedirectTwice);
      if (!ParseInt64(args[++j], &redirect)) return ctx->Error(Err::kNotInteger);
      for (ClientState* c : ctx->server()->hooks->Clients()) {
        if (c->id == uint64_t(redirect)) req.redirect = c;
      }
      if (req.redirect == nullptr) return ctx->Error(Err::kTrackingRedirectMissing);
    } else if (EqualsNoCase(opt, "bcast")) {
      req.bcast = true;
    } else if (EqualsNoCase(opt, "optin")) {
      req.optin = true;
    } else if (EqualsNoCase(opt, "optout")) {
      req.optout = true;
    } else if (EqualsNoCase(opt, "noloop")) {
      req.noloop = true;
    } else if (EqualsNoCase(opt, "prefix") && more) {
      req.prefixes.push_back(args[++j]);
    } else {
      return ctx->Error(Err::kSyntax);
    }
  }
  if (EqualsNoCase(args[2], "on")) {
    std::string error;
    if (!ctx->server()->tracking.Enable(ctx->client(), req, &error)) return ctx->ErrorText(error);
  } else if (EqualsNoCase(args[2], "off")) {
    ctx->server()->tracking.Disable(ctx->client());
  } else {
    return ctx->Error(Err::kSyntax);
  }
  ctx->rb()->Ok();
}

// CLIENT CACHING yes|no: applies to the next command (or MULTI ... EXEC); the
// dispatcher clears it afterwards.
void ClientCachingCmd(CmdArgs args, CommandContext* ctx) {
  ClientTracking& t = ctx->client()->tracking;
  if (!t.on) return ctx->Error(Err::kCachingNotTracking);
  if (EqualsNoCase(args[2], "yes")) {
    if (!t.optin) return ctx->Error(Err::kCachingYesNotOptin);
  } else if (EqualsNoCase(args[2], "no")) {
    if (!t.optout) return ctx->Error(Err::kCachingNoNotOptout);
  } else {
    return ctx->Error(Err::kSyntax);
  }
  t.caching = true;
  ctx->rb()->Ok();
}

// -1 when tracking is off, 0 when on without REDIRECT.
void ClientGetRedir(CmdArgs, CommandContext* ctx) {
  const ClientTracking& t = ctx->client()->tracking;
  ctx->rb()->Integer(t.on ? int64_t(t.redirect) : -1);
}

// Redis's map: flags (a set, in Redis's order), redirect, prefixes (sorted).
void ClientTrackingInfo(CmdArgs, CommandContext* ctx) {
  const ClientTracking& t = ctx->client()->tracking;
  std::vector<std::string_view> flags = {t.on ? "on" : "off"};
  if (t.bcast) flags.push_back("bcast");
  if (t.optin) flags.push_back("optin");
  if (t.optin && t.caching) flags.push_back("caching-yes");
  if (t.optout) flags.push_back("optout");
  if (t.optout && t.caching) flags.push_back("caching-no");
  if (t.noloop) flags.push_back("noloop");
  if (t.broken_redirect) flags.push_back("broken_redirect");
  resp::ReplyBuilder* rb = ctx->rb();
  rb->MapHeader(3);
  rb->Bulk("flags");
  rb->SetHeader(flags.size());
  for (std::string_view f : flags) rb->Bulk(f);
  rb->Bulk("redirect");
  rb->Integer(t.on ? int64_t(t.redirect) : -1);
  rb->Bulk("prefixes");
  rb->ArrayHeader(t.prefixes.size());
  for (const std::string& p : t.prefixes) rb->Bulk(p);
}

void ClientHelp(CmdArgs args, CommandContext* ctx) {
  ReplyHelp(args, ctx,
            {
                "CACHING (YES|NO)",
                "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
                "GETREDIR",
                "    Return the client ID we are redirecting to when tracking is enabled.",
                "GETNAME",
                "    Return the name of the current connection.",
                "ID",
                "    Return the ID of the current connection.",
                "INFO",
                "    Return information about the current client connection.",
                "KILL <ip:port>",
                "    Kill connection made from <ip:port>.",
                "KILL <option> <value> [<option> <value> [...]]",
                "    Kill connections. Options are:",
                "    * ADDR (<ip:port>|<unixsocket>:0)",
                "      Kill connections made from the specified address",
                "    * LADDR (<ip:port>|<unixsocket>:0)",
                "      Kill connections made to specified local address",
                "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                "      Kill connections by type.",
                "    * USER <username>",
                "      Kill connections authenticated by <username>.",
                "    * SKIPME (YES|NO)",
                "      Skip killing current connection (default: yes).",
                "    * ID <client-id>",
                "      Kill connections by client id.",
                "LIST [options ...]",
                "    Return information about client connections. Options:",
                "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                "      Return clients of specified type.",
                "UNPAUSE",
                "    Stop the current client pause, resuming traffic.",
                "PAUSE <timeout> [WRITE|ALL]",
                "    Suspend all, or just write, clients for <timeout> milliseconds.",
                "REPLY (ON|OFF|SKIP)",
                "    Control the replies sent to the current connection.",
                "SETNAME <name>",
                "    Assign the name <name> to the current connection.",
                "SETINFO <option> <value>",
                "    Set client meta attr. Options are:",
                "    * LIB-NAME: the client lib name.",
                "    * LIB-VER: the client lib version.",
                "UNBLOCK <clientid> [TIMEOUT|ERROR]",
                "    Unblock the specified blocked client.",
                "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
                "         [OPTIN] [OPTOUT] [NOLOOP]",
                "    Control server assisted client side caching.",
                "TRACKINGINFO",
                "    Report tracking status for the current connection.",
                "NO-EVICT (ON|OFF)",
                "    Protect current client connection from eviction.",
                "NO-TOUCH (ON|OFF)",
                "    Will not touch LRU/LFU stats when this mode is on.",
            });
}

constexpr uint32_t kSubBase = kNoScript | kLoading | kStale;
constexpr uint32_t kSubAdmin = kAdmin | kNoScript | kLoading | kStale;

constexpr Subcommand kClientSubs[] = {
    {{"client|caching", 3, kSubBase,
      "Instructs the server whether to track the keys in the next request."},
     ClientCachingCmd},
    {{"client|getname", 2, kSubBase, "Returns the name of the connection."}, ClientGetName},
    {{"client|getredir", 2, kSubBase,
      "Returns the client ID to which the connection's tracking notifications are "
      "redirected."},
     ClientGetRedir},
    {{"client|help", 2, kLoading | kStale, "Returns helpful text about the different subcommands."},
     ClientHelp},
    {{"client|id", 2, kSubBase, "Returns the unique client ID of the connection."}, ClientId},
    {{"client|info", 2, kSubBase, "Returns information about the connection."}, ClientInfo},
    {{"client|kill", -3, kSubAdmin, "Terminates open connections."}, ClientKill},
    {{"client|list", -2, kSubAdmin, "Lists open connections."}, ClientList},
    {{"client|no-evict", 3, kSubAdmin, "Sets the client eviction mode of the connection."},
     ClientNoEvict},
    {{"client|no-touch", 3, kSubBase,
      "Controls whether commands sent by the client affect the LRU/LFU of accessed keys."},
     ClientNoTouch},
    {{"client|pause", -3, kSubAdmin, "Suspends commands processing."}, ClientPause},
    {{"client|reply", 3, kSubBase, "Instructs the server whether to reply to commands."},
     ClientReply},
    {{"client|setinfo", 4, kSubBase, "Sets information specific to the client or connection."},
     ClientSetInfo},
    {{"client|setname", 3, kSubBase, "Sets the connection name."}, ClientSetName},
    {{"client|tracking", -3, kSubBase,
      "Controls server-assisted client-side caching for the connection."},
     ClientTrackingCmd},
    {{"client|trackinginfo", 2, kSubBase,
      "Returns information about server-assisted client-side caching for the connection."},
     ClientTrackingInfo},
    {{"client|unblock", -3, kSubAdmin,
      "Unblocks a client blocked by a blocking command from a different connection."},
     ClientUnblock},
    {{"client|unpause", 2, kSubAdmin, "Resumes processing commands from paused clients."},
     ClientUnpause},
};

void Client(CmdArgs args, CommandContext* ctx) {
  DispatchSubcommand(args, ctx, kClientSubs);
}

}  // namespace

void RegisterClientFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"client", -2, 0, 0, 0, 0, kAclSlow, Client, "connection",
       "A container for client connection commands.", "2.4.0", SubcommandDocs(kClientSubs)},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
