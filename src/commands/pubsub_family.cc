// Pub/sub: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH SSUBSCRIBE SUNSUBSCRIBE
// SPUBLISH PUBSUB, and the keyspace/keyevent/table notifications built on PUBLISH.
//
// Reply shapes are Redis 7's:
//   - (un)subscribe confirmations are one push frame per channel: [verb, channel, count]
//     (an array in RESP2). count is channels + patterns of the client for the non-shard
//     verbs, shard channels for the shard verbs (Redis's clientSubscriptionsCount /
//     clientShardSubscriptionsCount). UNSUBSCRIBE with no argument and nothing
//     subscribed answers one frame with a null channel and count 0.
//   - messages: [message, channel, payload], [pmessage, pattern, channel, payload],
//     [smessage, channel, payload]; push frames in RESP3.
// Fan-out: a message is encoded at most once per (protocol, kind[, pattern]) and the same
// bytes are appended to every recipient's output. Delivery is synchronous on the loop
// thread, so messages of one publisher arrive in the order they were published.
#include <string>
#include <vector>

#include "commands/context.h"
#include "commands/families.h"
#include "commands/server_family.h"
#include "common/keyspace_events.h"

namespace brisk::cmd {

using pubsub::Kind;

namespace {

// Encoded forms of one message, built on first use per protocol (RESP2 / RESP3).
// Storage is reused across publishes: steady-state publishing allocates nothing.
class EncodedMessage {
 public:
  void Reset(std::string_view verb, std::string_view pattern, std::string_view channel,
             std::string_view payload) {
    verb_ = verb;
    pattern_ = pattern;
    channel_ = channel;
    payload_ = payload;
    ready_[0] = ready_[1] = false;
  }

  std::string_view For(int protocol) {
    size_t i = protocol == 3 ? 1 : 0;
    if (!ready_[i]) {
      bytes_[i].clear();
      resp::ReplyBuilder rb(&bytes_[i], protocol);
      bool with_pattern = verb_ == "pmessage";
      rb.PushHeader(with_pattern ? 4 : 3);
      rb.Bulk(verb_);
      if (with_pattern) rb.Bulk(pattern_);
      rb.Bulk(channel_);
      rb.Bulk(payload_);
      ready_[i] = true;
    }
    return bytes_[i];
  }

 private:
  std::string_view verb_, pattern_, channel_, payload_;
  std::string bytes_[2];
  bool ready_[2] = {false, false};
};

void ReplySubscription(resp::ReplyBuilder* rb, std::string_view verb,
                       const std::string_view* channel, size_t count) {
  rb->PushHeader(3);
  rb->Bulk(verb);
  if (channel != nullptr) {
    rb->Bulk(*channel);
  } else {
    rb->Null();
  }
  rb->Integer(int64_t(count));
}

size_t CountFor(const ClientState& c, Kind kind) {
  return kind == Kind::kShard ? c.shard_channels().size() : c.channels_and_patterns();
}

// ---------------------------------------------------------------------------------
// SUBSCRIBE / SSUBSCRIBE / PSUBSCRIBE and their UNSUBSCRIBE counterparts

void SubscribeGeneric(CmdArgs args, CommandContext* ctx, Kind kind, std::string_view verb) {
  ClientState* c = ctx->client();
  for (size_t i = 1; i < args.size(); ++i) {
    ctx->server()->pubsub.Subscribe(c, kind, args[i]);
    ReplySubscription(ctx->rb(), verb, &args[i], CountFor(*c, kind));
  }
}

void UnsubscribeGeneric(CmdArgs args, CommandContext* ctx, Kind kind, std::string_view verb) {
  ClientState* c = ctx->client();
  pubsub::Registry& reg = ctx->server()->pubsub;
  if (args.size() > 1) {
    for (size_t i = 1; i < args.size(); ++i) {
      reg.Unsubscribe(c, kind, args[i]);
      ReplySubscription(ctx->rb(), verb, &args[i], CountFor(*c, kind));
    }
    return;
  }
  const pubsub::NameSet& mine = kind == Kind::kShard ? c->shard_channels() : c->channels();
  if (mine.empty()) return ReplySubscription(ctx->rb(), verb, nullptr, CountFor(*c, kind));
  std::vector<std::string> all(mine.begin(), mine.end());  // the set shrinks as we go
  for (const std::string& channel : all) {
    reg.Unsubscribe(c, kind, channel);
    std::string_view name = channel;
    ReplySubscription(ctx->rb(), verb, &name, CountFor(*c, kind));
  }
}

void Subscribe(CmdArgs args, CommandContext* ctx) {
  SubscribeGeneric(args, ctx, Kind::kChannel, "subscribe");
}
void SSubscribe(CmdArgs args, CommandContext* ctx) {
  SubscribeGeneric(args, ctx, Kind::kShard, "ssubscribe");
}
void Unsubscribe(CmdArgs args, CommandContext* ctx) {
  UnsubscribeGeneric(args, ctx, Kind::kChannel, "unsubscribe");
}
void SUnsubscribe(CmdArgs args, CommandContext* ctx) {
  UnsubscribeGeneric(args, ctx, Kind::kShard, "sunsubscribe");
}

void PSubscribe(CmdArgs args, CommandContext* ctx) {
  ClientState* c = ctx->client();
  for (size_t i = 1; i < args.size(); ++i) {
    ctx->server()->pubsub.PSubscribe(c, args[i]);
    ReplySubscription(ctx->rb(), "psubscribe", &args[i], c->channels_and_patterns());
  }
}

void PUnsubscribe(CmdArgs args, CommandContext* ctx) {
  ClientState* c = ctx->client();
  pubsub::Registry& reg = ctx->server()->pubsub;
  if (args.size() > 1) {
    for (size_t i = 1; i < args.size(); ++i) {
      reg.PUnsubscribe(c, args[i]);
      ReplySubscription(ctx->rb(), "punsubscribe", &args[i], c->channels_and_patterns());
    }
    return;
  }
  if (c->patterns().empty()) {
    return ReplySubscription(ctx->rb(), "punsubscribe", nullptr, c->channels_and_patterns());
  }
  std::vector<std::string> all(c->patterns().begin(), c->patterns().end());
  for (const std::string& pattern : all) {
    reg.PUnsubscribe(c, pattern);
    std::string_view name = pattern;
    ReplySubscription(ctx->rb(), "punsubscribe", &name, c->channels_and_patterns());
  }
}

// ---------------------------------------------------------------------------------
// PUBLISH / SPUBLISH

void PublishCmd(CmdArgs args, CommandContext* ctx) {
  ctx->rb()->Integer(int64_t(Publish(ctx->server(), Kind::kChannel, args[1], args[2])));
}

void SPublish(CmdArgs args, CommandContext* ctx) {
  ctx->rb()->Integer(int64_t(Publish(ctx->server(), Kind::kShard, args[1], args[2])));
}

// ---------------------------------------------------------------------------------
// PUBSUB CHANNELS | NUMSUB | NUMPAT | SHARDCHANNELS | SHARDNUMSUB | HELP

void ReplyChannels(CmdArgs args, CommandContext* ctx, Kind kind) {
  if (args.size() > 3) {
    return ctx->ErrorText(FormatError(Err::kUnknownSubcommandOrArity, {args[1], "PUBSUB"}));
  }
  const std::string_view* pattern = args.size() == 3 ? &args[2] : nullptr;
  std::vector<std::string_view> channels = ctx->server()->pubsub.Channels(kind, pattern);
  ctx->rb()->ArrayHeader(channels.size());
  for (std::string_view ch : channels) ctx->rb()->Bulk(ch);
}

void ReplyNumSub(CmdArgs args, CommandContext* ctx, Kind kind) {
  const pubsub::Registry& reg = ctx->server()->pubsub;
  ctx->rb()->ArrayHeader((args.size() - 2) * 2);
  for (size_t i = 2; i < args.size(); ++i) {
    ctx->rb()->Bulk(args[i]);
    ctx->rb()->Integer(int64_t(reg.NumSubscribers(kind, args[i])));
  }
}

void PubsubChannels(CmdArgs args, CommandContext* ctx) {
  ReplyChannels(args, ctx, Kind::kChannel);
}
void PubsubShardChannels(CmdArgs args, CommandContext* ctx) {
  ReplyChannels(args, ctx, Kind::kShard);
}
void PubsubNumSub(CmdArgs args, CommandContext* ctx) {
  ReplyNumSub(args, ctx, Kind::kChannel);
}
void PubsubShardNumSub(CmdArgs args, CommandContext* ctx) {
  ReplyNumSub(args, ctx, Kind::kShard);
}
void PubsubNumPat(CmdArgs, CommandContext* ctx) {
  ctx->rb()->Integer(int64_t(ctx->server()->pubsub.NumPatterns()));
}

void PubsubHelp(CmdArgs args, CommandContext* ctx) {
  ReplyHelp(args, ctx,
            {"CHANNELS [<pattern>]",
             "    Return the currently active channels matching a <pattern> (default: '*').",
             "NUMPAT", "    Return number of subscriptions to patterns.", "NUMSUB [<channel> ...]",
             "    Return the number of subscribers for the specified channels, excluding",
             "    pattern subscriptions(default: no channels).", "SHARDCHANNELS [<pattern>]",
             "    Return the currently active shard level channels matching a <pattern> (default: "
             "'*').",
             "SHARDNUMSUB [<shardchannel> ...]",
             "    Return the number of subscribers for the specified shard level channel(s)"});
}

constexpr uint32_t kIntro = kPubSub | kLoading | kStale;

constexpr Subcommand kPubsubSubs[] = {
    {{"pubsub|channels", -2, kIntro, "Returns the active channels."}, PubsubChannels},
    {{"pubsub|help", 2, kLoading | kStale, "Returns helpful text about the different subcommands."},
     PubsubHelp},
    {{"pubsub|numpat", 2, kIntro, "Returns a count of unique pattern subscriptions."},
     PubsubNumPat},
    {{"pubsub|numsub", -2, kIntro, "Returns a count of subscribers to channels."}, PubsubNumSub},
    {{"pubsub|shardchannels", -2, kIntro, "Returns the active shard channels."},
     PubsubShardChannels},
    {{"pubsub|shardnumsub", -2, kIntro, "Returns the count of subscribers of shard channels."},
     PubsubShardNumSub},
};

void Pubsub(CmdArgs args, CommandContext* ctx) {
  DispatchSubcommand(args, ctx, kPubsubSubs);
}

// Reused channel-name buffers for keyspace events (loop thread only).
std::string& ScratchChannel() {
  static std::string s;
  return s;
}

void BuildChannel(std::string* out, std::string_view prefix, int db, std::string_view suffix) {
  out->clear();
  out->append(prefix);
  char num[16];
  int n = snprintf(num, sizeof(num), "%d", db);
  out->append(num, size_t(n));
  out->append("__:");
  out->append(suffix);
}

}  // namespace

size_t Publish(ServerContext* server, Kind kind, std::string_view channel,
               std::string_view message) {
  static EncodedMessage encoded;  // loop thread only; storage reused
  size_t receivers = 0;
  ServerHooks* hooks = server->hooks;
  const pubsub::Registry& reg = server->pubsub;
  if (const auto* subs = reg.Find(kind, channel)) {
    encoded.Reset(kind == Kind::kShard ? "smessage" : "message", {}, channel, message);
    for (pubsub::Subscriber* s : *subs) {
      auto* c = static_cast<ClientState*>(s);
      hooks->SendTo(c, encoded.For(c->resp));
    }
    receivers += subs->size();
  }
  if (kind == Kind::kChannel && reg.has_patterns()) {
    reg.ForEachMatchingPattern(channel, [&](std::string_view pattern, const auto& subs) {
      encoded.Reset("pmessage", pattern, channel, message);
      for (pubsub::Subscriber* s : subs) {
        auto* c = static_cast<ClientState*>(s);
        hooks->SendTo(c, encoded.For(c->resp));
      }
      receivers += subs.size();
    });
  }
  return receivers;
}

// Redis's notifyKeyspaceEvent, plus Brisk's table channel. Channels, in this order:
//   K: __keyspace@<db>__:<key>    message <event>
//   E: __keyevent@<db>__:<event>  message <key>
//   T: __table@<db>__:<table>     message "<event> <key>"   (table: the key's prefix
//      before the first table-separator, "" for keys without one)
// Table subscribers use SUBSCRIBE on the exact channel: one hash lookup per event
// whatever other tables or patterns are subscribed.
void NotifyKeyspaceEvent(ServerContext* server, uint32_t type, std::string_view event, int db,
                         std::string_view key) {
  uint32_t flags = server->config->notify_keyspace_events;
  if (!(notify::ActiveClasses(flags) & type)) return;
  std::string& channel = ScratchChannel();
  if (flags & notify::kKeyspace) {
    BuildChannel(&channel, "__keyspace@", db, key);
    Publish(server, Kind::kChannel, channel, event);
  }
  if (flags & notify::kKeyevent) {
    BuildChannel(&channel, "__keyevent@", db, event);
    Publish(server, Kind::kChannel, channel, key);
  }
  if (flags & notify::kTable) {
    char sep = server->config->table_separator.empty() ? ':' : server->config->table_separator[0];
    size_t pos = key.find(sep);
    std::string_view table =
        pos == std::string_view::npos ? std::string_view() : key.substr(0, pos);
    BuildChannel(&channel, "__table@", db, table);
    // Nobody listening to this table: skip building the message (the common case).
    if (server->pubsub.Find(Kind::kChannel, channel) == nullptr && !server->pubsub.has_patterns()) {
      return;
    }
    static std::string message;
    message.clear();
    message.append(event);
    message += ' ';
    message.append(key);
    Publish(server, Kind::kChannel, channel, message);
  }
}

// Flags as Redis 7's table. (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE carry kSubscribeOk, with
// PING, QUIT and RESET (connection family): the only commands a RESP2 client may send
// in subscribed mode.
void RegisterPubsubFamily(CommandRegistry* r) {
  constexpr uint32_t kSub = kPubSub | kNoScript | kLoading | kStale | kSubscribeOk;
  constexpr uint64_t kAcl = kAclPubSub | kAclSlow;
  const CommandSpec specs[] = {
      {"subscribe", -2, kSub, 0, 0, 0, kAcl, Subscribe, "pubsub",
       "Listens for messages published to channels.", "2.0.0"},
      {"unsubscribe", -1, kSub, 0, 0, 0, kAcl, Unsubscribe, "pubsub",
       "Stops listening to messages posted to channels.", "2.0.0"},
      {"psubscribe", -2, kSub, 0, 0, 0, kAcl, PSubscribe, "pubsub",
       "Listens for messages published to channels that match one or more patterns.", "2.0.0"},
      {"punsubscribe", -1, kSub, 0, 0, 0, kAcl, PUnsubscribe, "pubsub",
       "Stops listening to messages published to channels that match one or more patterns.",
       "2.0.0"},
      {"ssubscribe", -2, kSub, 1, -1, 1, kAcl, SSubscribe, "pubsub",
       "Listens for messages published to shard channels.", "7.0.0"},
      {"sunsubscribe", -1, kSub, 1, -1, 1, kAcl, SUnsubscribe, "pubsub",
       "Stops listening to messages posted to shard channels.", "7.0.0"},
      {"publish", 3, kPubSub | kLoading | kStale | kFast | kMayReplicate, 0, 0, 0,
       kAclPubSub | kAclFast, PublishCmd, "pubsub", "Posts a message to a channel.", "2.0.0"},
      {"spublish", 3, kPubSub | kLoading | kStale | kFast | kMayReplicate, 1, 1, 1,
       kAclPubSub | kAclFast, SPublish, "pubsub", "Post a message to a shard channel", "7.0.0"},
      {"pubsub", -2, 0, 0, 0, 0, kAclSlow, Pubsub, "pubsub", "A container for Pub/Sub commands.",
       "2.8.0", SubcommandDocs(kPubsubSubs)},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
