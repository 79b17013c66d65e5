// Client-side caching (Redis 6+ "tracking"): which clients may have cached which keys,
// and the invalidation messages sent when those keys change. Semantics are Redis 7's
// (src/tracking.c); the CLIENT TRACKING/CACHING/GETREDIR/TRACKINGINFO handlers are in
// connection_family.cc and only parse: every state rule lives here.
//
// Two modes per client:
//   - default: the dispatcher remembers the keys a tracking client reads with a
//     read-only command (key -> client ids). When a key changes, each of those clients
//     gets one invalidation and the key is forgotten (it is remembered again on the
//     next read). OPTIN/OPTOUT + CLIENT CACHING select which reads are remembered.
//   - BCAST: no per-key memory; the client registers prefixes and hears about every
//     changed key matching one. Keys are batched per prefix and sent once per loop turn
//     (BeforeSleep), one message per prefix.
// Delivery: a RESP3 target gets a push [invalidate, [key...]] (null instead of the
// array on FLUSHDB/FLUSHALL); a RESP2 client must REDIRECT to a client in pub/sub mode,
// which gets a pub/sub message on __redis__:invalidate whose payload is the array.
// The key table is per server, not per database, as in Redis.
//
// Thread safety: loop thread only.
//
// Invariants:
//   1. keys_ is empty while no client tracks (the last CLIENT TRACKING off / disconnect
//      frees it): KeyModified costs one branch when nobody tracks.
//   2. An id in keys_ may name a client that disconnected or switched mode (Redis does
//      the same); such ids are skipped at invalidation time, never dereferenced.
//   3. clients_ holds exactly the clients with tracking.on; targets_ holds every client
//      named by a REDIRECT until it disconnects. ClientClosed() removes a client from
//      both before its ClientState is destroyed, so every stored pointer is live.
//   4. An invalidation for the client whose command is running (current_) is queued and
//      sent by EndCommand(), after that command's reply (after EXEC's whole reply), so
//      a push never lands inside a reply. Everyone else gets it at once.
//   5. keys_.size() may exceed tracking-table-max-keys only until the next BeforeSleep,
//      which invalidates arbitrary keys (the hash table's first) until it is back under the limit,
//      with a per-turn effort cap that grows while the limit stays exceeded (Redis's
//      trackingLimitUsedSlots).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/command.h"
#include "pubsub/registry.h"

namespace brisk::cmd {

struct ClientState;
class ServerHooks;

// A client's CLIENT TRACKING state (part of ClientState). Written only by TrackingTable.
struct ClientTracking {
  bool on = false;
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  bool caching = false;               // CLIENT CACHING yes|no applies to the next command
  bool broken_redirect = false;       // the REDIRECT target disconnected
  uint64_t redirect = 0;              // client id, 0 = none
  std::vector<std::string> prefixes;  // BCAST only, sorted; {""} for BCAST without PREFIX
};

// CLIENT TRACKING on's options, as parsed by the handler.
struct TrackingRequest {
  ClientState* redirect = nullptr;  // resolved REDIRECT target, null = none
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  std::vector<std::string_view> prefixes;
};

class TrackingTable {
 public:
  TrackingTable() = default;
  TrackingTable(const TrackingTable&) = delete;
  TrackingTable& operator=(const TrackingTable&) = delete;

  // CLIENT TRACKING on: Redis's compatibility checks against the request and the
  // client's current mode, then enables. On a refusal returns false with Redis's error
  // text in *error and changes nothing.
  bool Enable(ClientState* c, const TrackingRequest& req, std::string* error);
  // CLIENT TRACKING off, RESET. Idempotent.
  void Disable(ClientState* c);
  // Disconnect: Disable + forget c as a REDIRECT target (invariant 3).
  void ClientClosed(ClientState* c);

  // True while at least one client tracks (invariant 1).
  bool active() const { return !clients_.empty(); }

  // Dispatcher hooks around one top-level command (invariant 4). EndCommand sends the
  // queued invalidations to `c` and drops its CLIENT CACHING flag unless `spec` is a
  // CLIENT subcommand or c is inside MULTI (Redis's resetClient). No allocation.
  void BeginCommand(ClientState* c) { current_ = c; }
  void EndCommand(ClientState* c, const CommandSpec& spec, ServerHooks* hooks);

  // After a read-only command of a tracking client: remembers its keys (default mode,
  // honouring OPTIN/OPTOUT + CLIENT CACHING). REQUIRES: c->tracking.on.
  void RememberKeys(ClientState* c, const CommandRegistry& commands, const CommandSpec& spec,
                    CmdArgs args);
  // One key read by c (the table primitive under RememberKeys).
  void Remember(ClientState* c, std::string_view key);

  // A key changed (KeyModified, expiry, eviction): default-mode invalidations now (or
  // queued, invariant 4), BCAST ones batched for BeforeSleep.
  void Invalidate(std::string_view key, ServerHooks* hooks);
  // FLUSHDB / FLUSHALL: every tracking client gets a null invalidation; keys_ is freed.
  void InvalidateAll(ServerHooks* hooks);

  // Once per loop turn, before output is flushed: BCAST batches, then the size limit
  // (invariant 5; max_keys 0 = unlimited).
  void BeforeSleep(ServerHooks* hooks, uint64_t max_keys);

  // INFO-style counters.
  size_t num_keys() const { return keys_.size(); }
  size_t num_clients() const { return clients_.size(); }
  size_t num_prefixes() const { return prefixes_.size(); }
  // Redis's tracking_total_items: (key, client) pairs remembered. O(keys); INFO only.
  size_t num_items() const {
    size_t n = 0;
    for (const auto& [key, ids] : keys_) n += ids.size();
    return n;
  }

 private:
  struct BcastState {
    std::vector<ClientState*> clients;
    std::map<std::string, uint64_t> keys;  // changed this turn -> id of the writer (0: none)
  };
  using KeyIndex =
      std::unordered_map<std::string, std::vector<uint64_t>, pubsub::NameHash, std::equal_to<>>;

  // Redis's sendTrackingMessage: `value` is the encoded array of keys (or null), sent
  // to c or to its REDIRECT target.
  void Deliver(ClientState* c, std::string_view value, ServerHooks* hooks);
  // The default-mode half of Invalidate (also used to evict keys over the limit).
  void InvalidateTracked(std::string_view key, ServerHooks* hooks);
  void BroadcastPending(ServerHooks* hooks);
  void LimitKeys(ServerHooks* hooks, uint64_t max_keys);

  KeyIndex keys_;
  std::unordered_map<uint64_t, ClientState*> clients_;  // invariant 3
  std::unordered_map<uint64_t, ClientState*> targets_;  // invariant 3
  std::map<std::string, BcastState, std::less<>> prefixes_;
  bool bcast_pending_ = false;
  ClientState* current_ = nullptr;
  struct Pending {
    bool flush;  // null invalidation (FLUSHDB/FLUSHALL)
    std::string key;
  };
  std::vector<Pending> pending_;
  unsigned limit_rounds_ = 0;  // consecutive BeforeSleeps that ended over the limit
  std::string scratch_;        // reused encoding buffer
};

}  // namespace brisk::cmd
