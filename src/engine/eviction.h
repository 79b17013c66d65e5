// maxmemory eviction: Redis's policies over the keyspace, and the per-entry access
// metadata (Entry::access_) they read.
//
// Thread safety: writer (loop) thread only, except the access-word decoders (pure
// functions of a loaded word), which any thread may call.
//
// The access word (Entry::access_, 32 bits, relaxed atomic). The writer updates it on
// every touching lookup (Db::Find) and the CLOCK hand below decrements its reference
// count; nothing else changes in a published entry (table.h invariant 2), and a new
// version of an entry (value change, rehash copy) inherits the word:
//
//   bits 31..30  ref   CLOCK reference count, 0..3: +1 per touching lookup, -1 each time
//                      the allkeys-lru hand passes over the entry; 0 for a new entry.
//   bits 29..24        reserved, 0.
//   bits 23..0   LRU mode (every non-LFU policy): the seconds clock of the last access,
//                mod 2^24 (Redis's 24-bit lru field; OBJECT IDLETIME, volatile-lru).
//                LFU mode (allkeys-lfu, volatile-lfu): bits 23..8 the minutes clock
//                mod 2^16 of the last decrement, bits 7..0 Redis's logarithmic counter
//                (new keys start at 5; lfu-log-factor, lfu-decay-time).
//
// As in Redis, the low 24 bits mean one thing or the other depending on the policy in
// force when they were written: after switching between an LRU and an LFU policy at
// runtime, entries read as the other kind until touched (OBJECT IDLETIME/FREQ say so).
// The ref bits are kept under every policy, so switching to allkeys-lru is immediate.
//
// Policies (maxmemory-policy):
//   allkeys-lru      NOT Redis's sampled LRU: a CLOCK over the hash table ("hash-ring
//                    GCLOCK", see below). Every key is a candidate.
//   volatile-lru     Redis's approximation: maxmemory-samples random keys with a TTL per
//                    database feed a 16-entry pool ordered by idle time; the idlest goes.
//   allkeys-lfu,     the same pool, ordered by the decayed LFU counter (lowest first),
//   volatile-lfu     sampling all keys / keys with a TTL.
//   allkeys-random,  one uniformly random key (with a TTL), databases round robin.
//   volatile-random
//   volatile-ttl     exactly the key with the earliest deadline: each table's expiry
//                    index is a heap, so this costs O(tables with TTLs), no sampling
//                    (Redis samples maxmemory-samples keys).
//   noeviction       nothing is evicted; deny-oom commands get -OOM.
//
// Why allkeys-lru is a CLOCK and not sampled LRU. The trace (Zipf 0.99 over 1M
// keys, 5M requests, GET then SET on a miss, maxmemory at 10% of the working set), run by
// `BENCH=eviction scripts/bench` against Redis 7.0.15 in the same run: hit ratio 0.780
// here, 0.754 and 0.756 (two runs) for Redis's allkeys-lru, each holding ~95K keys. In an
// offline simulation of the same trace by key count: exact LRU 0.762, Redis's
// 5-sample/16-pool LRU 0.760, SIEVE (exact FIFO) 0.790, this CLOCK 0.784 (with a 1-bit
// ref: 0.779). SIEVE and S3-FIFO need a FIFO order of all entries: a list (16 B/entry) or
// a ring of pointers (8 B/entry). Our entries are 48-64 bytes, so that is +15-30% memory
// (fewer keys in the same maxmemory) for under a point of hit ratio; instead the CLOCK
// walks the table's own bucket order (no memory at all) and keeps SIEVE's two winning
// traits: new keys start unreferenced, so one-hit keys are evicted at the hand's first
// pass (quick demotion, scan resistance), and a hit only sets bits, never moves an entry
// (no per-hit write beyond the relaxed store, lock-free readers untouched). The 2-bit
// count (GCLOCK) lets a frequently hit key survive up to 3 passes. Where the hash order
// puts a new key relative to the hand is random, which sits between CLOCK (insert just
// behind the hand) and SIEVE (insert at the head).
//
// The CLOCK hand: databases in order, tables of a database in name order, each table
// walked with Redis's dictScan cursor (table.h ScanGroup), which stays valid across
// grows and shrinks, one bucket per step. In the bucket, an entry with ref > 0 has it
// decremented; one with ref == 0 becomes a candidate. Candidates are evicted one at a
// time, each re-checked first (a candidate touched meanwhile is spared). Work per
// eviction is bounded: after kClockMaxExamined referenced entries in a row, or
// kClockMaxSteps buckets, without a candidate, the victim is the least referenced of
// kClockFallbackSamples random keys and the hand resumes where it stopped next time.
//
// Invariants:
//   1. Every key removed here goes through Db::Evict: unlinked, reported to the
//      KeyObserver with RemoveReason::kEvicted (WATCH, tracking, "evicted" event, DEL in
//      the append log), counted in Keyspace::evicted_keys().
//   2. Evictor holds no Entry* between calls: only key strings, re-looked up before use,
//      so QuiescentPoint() may run between any two calls.
//   3. EvictUntil never returns kOk while used() > limit, and evicts nothing once
//      used() <= limit.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/keyspace.h"

namespace brisk::engine {

enum class EvictionPolicy : uint8_t {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};

// maxmemory-policy names, as Redis spells them. False if unknown.
bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* out);
std::string_view EvictionPolicyName(EvictionPolicy policy);
inline bool IsLfuPolicy(EvictionPolicy p) {
  return p == EvictionPolicy::kAllKeysLfu || p == EvictionPolicy::kVolatileLfu;
}

struct EvictionSettings {
  EvictionPolicy policy = EvictionPolicy::kNoEviction;
  int samples = 5;          // maxmemory-samples
  int lfu_log_factor = 10;  // lfu-log-factor
  int lfu_decay_time = 1;   // lfu-decay-time (minutes per counter decrement; 0 = never)
};

// Redis's evictionTimeLimitUs: how long one EvictUntil may run before it leaves the
// rest to later loop turns (500 us at the default tenacity 10; INT64_MAX, no limit, at 100).
int64_t EvictionTimeLimitUs(int tenacity);

// ---- the access word (header comment) ----
namespace access {

constexpr int kRefShift = 30;
constexpr uint32_t kRefMax = 3;
constexpr uint32_t kRefUnit = uint32_t{1} << kRefShift;
constexpr uint32_t kClockMask = (uint32_t{1} << 24) - 1;
constexpr uint32_t kLfuInitCounter = 5;  // Redis's LFU_INIT_VAL

inline uint32_t Ref(uint32_t word) {
  return word >> kRefShift;
}
inline uint32_t LruClock(int64_t now_ms) {
  return uint32_t(now_ms / 1000) & kClockMask;
}
inline uint32_t LfuMinutes(int64_t now_ms) {
  return uint32_t(now_ms / 60000) & 0xFFFF;
}

// The word of a key created now.
inline uint32_t Initial(const AccessPolicy& p, int64_t now_ms) {
  return p.lfu ? (LfuMinutes(now_ms) << 8) | kLfuInitCounter : LruClock(now_ms);
}

// LFU half of Touched (Redis's updateLFU: decay, then a logarithmic increment).
uint32_t LfuTouched(uint32_t word, const AccessPolicy& p, int64_t now_ms);

// The word after a touching lookup at now_ms. The writer stores it only if it changed
// (a hot key's word is stable within a second, so most hits write nothing).
inline uint32_t Touched(uint32_t word, const AccessPolicy& p, int64_t now_ms) {
  uint32_t ref = Ref(word);
  if (ref < kRefMax) ++ref;
  if (p.lfu) return (ref << kRefShift) | (LfuTouched(word, p, now_ms) & kClockMask);
  return (ref << kRefShift) | LruClock(now_ms);
}

// LRU mode: milliseconds since the last access, at the clock's 1 s resolution and with
// the 24-bit wrap handled as Redis's estimateObjectIdleTime does.
int64_t IdleMs(uint32_t word, int64_t now_ms);
// LFU mode: the counter decayed to now_ms (Redis's LFUDecrAndReturn; OBJECT FREQ).
uint32_t LfuCounter(uint32_t word, int64_t now_ms, int decay_time);

}  // namespace access

class Evictor {
 public:
  static constexpr size_t kPoolSize = 16;  // Redis's EVPOOL_SIZE
  // allkeys-lru work bounds: referenced entries passed over, and buckets visited, before
  // an eviction falls back to the least referenced of kClockFallbackSamples random keys.
  static constexpr size_t kClockMaxExamined = 64;
  static constexpr size_t kClockMaxSteps = 1024;
  static constexpr size_t kClockFallbackSamples = 5;

  explicit Evictor(Keyspace* keyspace);

  // Sets the policy and parameters; also the keyspace's access policy (LRU or LFU
  // words for new and touched keys).
  void Configure(const EvictionSettings& settings);
  const EvictionSettings& settings() const { return settings_; }

  // Evicts one key chosen by the policy. False if there is none to evict: noeviction,
  // an empty keyspace, or a volatile-* policy and no key with a TTL.
  bool EvictOne(int64_t now_ms);

  enum class Status : uint8_t {
    kOk,       // used() <= limit
    kRunning,  // still over the limit when the time budget ran out; call again
    kFail,     // over the limit and nothing (more) can be evicted
  };
  // Redis's performEvictions: evicts until used() <= limit. The clock is read every 16
  // evictions; once more than budget_us (EvictionTimeLimitUs) has passed, returns
  // kRunning. Also keeps the "eviction exceeded time" statistics (the time from a
  // result other than kOk to the next kOk).
  Status EvictUntil(size_t limit, const std::function<size_t()>& used, int64_t now_ms,
                    int64_t budget_us);

  // INFO stats total_eviction_exceeded_time / current_eviction_exceeded_time, in ms.
  uint64_t exceeded_total_ms(int64_t now_us) const;
  uint64_t exceeded_current_ms(int64_t now_us) const;
  void ResetStats();

 private:
  struct PoolEntry {
    uint64_t score = 0;  // higher = better victim
    int db = 0;
    std::string key;
  };

  bool EvictClock();
  bool ScanClockStep();
  bool EvictCandidate();
  bool EvictLeastReferencedSample();
  bool EvictRandom(bool volatile_only);
  bool EvictPooled(bool volatile_only, bool lfu, int64_t now_ms);
  void PoolInsert(uint64_t score, int db, std::string_view key);
  bool EvictEarliestDeadline();
  uint64_t Score(const Entry& e, bool lfu, int64_t now_ms) const;

  Keyspace* ks_;
  EvictionSettings settings_;
  std::mt19937_64 rng_{0xe71c7};

  // CLOCK hand: database, table name, dictScan cursor in that table.
  int hand_db_ = 0;
  std::string hand_table_;
  uint64_t hand_cursor_ = 0;
  // Candidates found by the hand (keys of hand_db_), consumed from cand_next_.
  std::vector<std::string> candidates_;
  size_t cand_count_ = 0;
  size_t cand_next_ = 0;
  int cand_db_ = 0;
  size_t examined_ = 0;  // referenced entries passed over since the last candidate

  // Sampling policies: the pool, ascending by score; pool_size_ entries in use.
  std::array<PoolEntry, kPoolSize> pool_;
  size_t pool_size_ = 0;
  int next_db_ = 0;  // random policies: databases round robin

  int64_t exceeded_since_us_ = 0;  // 0 = not over the limit
  uint64_t exceeded_total_us_ = 0;
};

}  // namespace brisk::engine
