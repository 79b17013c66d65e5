// Sorted-set algebra (t_zset.c's zunionInterDiffGenericCommand): ZUNION, ZINTER,
// ZDIFF, their STORE forms and ZINTERCARD. Inputs may be sorted sets or plain sets
// (score 1), as Redis. Results are sorted by (score, member); STORE destinations are
// replaced (deleted when the result is empty) and log their whole state.
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands/families.h"
#include "commands/zset_util.h"
#include "common/numbers.h"

namespace brisk::cmd {

using engine::Entry;
using engine::ObjType;
using Scored = std::vector<std::pair<std::string, double>>;

namespace {

enum class Op : uint8_t { kUnion, kInter, kDiff };
enum class Agg : uint8_t { kSum, kMin, kMax };

size_t InputLen(const Entry* e) {
  if (e == nullptr) return 0;
  return e->type() == ObjType::kZSet ? engine::ZLen(*e) : engine::CollectionLen(*e);
}

template <typename Fn>
void InputForEach(const Entry* e, Fn&& fn) {
  if (e == nullptr) return;
  if (e->type() == ObjType::kZSet) {
    engine::ZForRange(*e, 0, engine::ZLen(*e), false, [&](std::string_view m, double s) {
      fn(m, s);
      return true;
    });
  } else {
    engine::CollectionForEach(*e, [&](std::string_view m, std::string_view) { fn(m, 1.0); });
  }
}

bool InputScore(const Entry* e, std::string_view m, double* s) {
  if (e == nullptr) return false;
  if (e->type() == ObjType::kZSet) return engine::ZScore(*e, m, s);
  std::string_view v;
  *s = 1.0;
  return engine::CollectionFind(*e, m, &v);
}

void Aggregate(Agg agg, double* target, double v) {
  if (agg == Agg::kSum) {
    *target += v;
    if (std::isnan(*target)) *target = 0.0;
  } else if (agg == Agg::kMin) {
    *target = std::min(*target, v);
  } else {
    *target = std::max(*target, v);
  }
}

double Weighted(double s, double w) {
  double r = s * w;
  return std::isnan(r) ? 0.0 : r;
}

// Looks up the input keys (zsets or sets). False with WRONGTYPE replied.
bool LookupInputs(CommandContext* ctx, CmdArgs args, size_t first, size_t n, bool write,
                  std::vector<const Entry*>* out) {
  for (size_t i = 0; i < n; ++i) {
    std::string_view k = args[first + i];
    Entry* e = write ? ctx->db().Find(k, ctx->now_ms()) : ctx->FindForRead(k);
    if (e != nullptr && e->type() != ObjType::kZSet && e->type() != ObjType::kSet) {
      ctx->Error(Err::kWrongType);
      return false;
    }
    out->push_back(e);
  }
  return true;
}

Scored Compute(Op op, Agg agg, const std::vector<const Entry*>& in,
               const std::vector<double>& weights) {
  Scored out;
  if (op == Op::kDiff) {
    if (in[0] == nullptr) return out;
    InputForEach(in[0], [&](std::string_view m, double s) {
      double x;
      for (size_t i = 1; i < in.size(); ++i) {
        if (InputScore(in[i], m, &x)) return;
      }
      out.emplace_back(std::string(m), s);
    });
  } else if (op == Op::kInter) {
    std::vector<size_t> order(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] == nullptr) return out;
      order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return InputLen(in[a]) < InputLen(in[b]); });
    InputForEach(in[order[0]], [&](std::string_view m, double s) {
      double score = Weighted(s, weights[order[0]]);
      for (size_t k = 1; k < order.size(); ++k) {
        double x;
        if (!InputScore(in[order[k]], m, &x)) return;
        Aggregate(agg, &score, Weighted(x, weights[order[k]]));
      }
      out.emplace_back(std::string(m), score);
    });
  } else {
    std::unordered_map<std::string, double> acc;
    for (size_t i = 0; i < in.size(); ++i) {
      InputForEach(in[i], [&](std::string_view m, double s) {
        double w = Weighted(s, weights[i]);
        auto [it, fresh] = acc.try_emplace(std::string(m), w);
        if (!fresh) Aggregate(agg, &it->second, w);
      });
    }
    out.reserve(acc.size());
    for (auto& [m, s] : acc) out.emplace_back(m, s);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return engine::ZLess(a.second, a.first, b.second, b.first);
  });
  return out;
}

// [ZUNION|ZINTER|ZDIFF] numkeys key... [WEIGHTS ...] [AGGREGATE ...] [WITHSCORES], or
// the STORE form with `dst` (args[1]) before numkeys.
void Generic(CmdArgs args, CommandContext* ctx, Op op, bool store, std::string_view name) {
  size_t nk_idx = store ? 2 : 1;
  int64_t numkeys;
  if (!ParseInt64(args[nk_idx], &numkeys)) return ctx->Error(Err::kNotInteger);
  if (numkeys < 1) return ctx->ErrorText(FormatError(Err::kZAtLeastOneKey, {name}));
  if (size_t(numkeys) > args.size() - nk_idx - 1) return ctx->Error(Err::kSyntax);
  size_t n = size_t(numkeys);
  std::vector<const Entry*> in;
  if (!LookupInputs(ctx, args, nk_idx + 1, n, store, &in)) return;
  std::vector<double> weights(n, 1.0);
  Agg agg = Agg::kSum;
  bool withscores = false;
  for (size_t j = nk_idx + 1 + n; j < args.size(); ++j) {
    size_t left = args.size() - j - 1;
    std::string_view a = args[j];
    if (op != Op::kDiff && EqualsNoCase(a, "weights") && left >= n) {
      for (size_t i = 0; i < n; ++i) {
        if (!ParseDouble(args[j + 1 + i], &weights[i])) return ctx->Error(Err::kZWeightNotFloat);
      }
      j += n;
    } else if (op != Op::kDiff && EqualsNoCase(a, "aggregate") && left >= 1) {
      std::string_view v = args[j + 1];
      if (EqualsNoCase(v, "sum")) {
        agg = Agg::kSum;
      } else if (EqualsNoCase(v, "min")) {
        agg = Agg::kMin;
      } else if (EqualsNoCase(v, "max")) {
        agg = Agg::kMax;
      } else {
        return ctx->Error(Err::kSyntax);
      }
      ++j;
    } else if (!store && EqualsNoCase(a, "withscores")) {
      withscores = true;
    } else {
      return ctx->Error(Err::kSyntax);
    }
  }
  Scored out = Compute(op, agg, in, weights);
  if (!store) return ReplyScored(ctx, out, withscores);
  ZStoreResult(ctx, args[1], out, name);
  ctx->rb()->Integer(int64_t(out.size()));
}

}  // namespace

void ZUnion(CmdArgs args, CommandContext* ctx) {
  Generic(args, ctx, Op::kUnion, false, "zunion");
}
void ZInter(CmdArgs args, CommandContext* ctx) {
  Generic(args, ctx, Op::kInter, false, "zinter");
}
void ZDiff(CmdArgs args, CommandContext* ctx) {
  Generic(args, ctx, Op::kDiff, false, "zdiff");
}
void ZUnionStore(CmdArgs args, CommandContext* ctx) {
  Generic(args, ctx, Op::kUnion, true, "zunionstore");
}
void ZInterStore(CmdArgs args, CommandContext* ctx) {
  Generic(args, ctx, Op::kInter, true, "zinterstore");
}
void ZDiffStore(CmdArgs args, CommandContext* ctx) {
  Generic(args, ctx, Op::kDiff, true, "zdiffstore");
}

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
void ZInterCard(CmdArgs args, CommandContext* ctx) {
  int64_t numkeys;
  if (!ParseInt64(args[1], &numkeys)) return ctx->Error(Err::kNotInteger);
  if (numkeys <= 0) return ctx->Error(Err::kNumkeysPositive);
  if (size_t(numkeys) > args.size() - 2) return ctx->Error(Err::kNumkeysTooMany);
  size_t n = size_t(numkeys);
  int64_t limit = 0;
  for (size_t j = 2 + n; j < args.size(); ++j) {
    if (EqualsNoCase(args[j], "limit") && j + 1 < args.size()) {
      if (!ParseInt64(args[j + 1], &limit)) return ctx->Error(Err::kNotInteger);
      if (limit < 0) return ctx->Error(Err::kLimitNegative);
      ++j;
    } else {
      return ctx->Error(Err::kSyntax);
    }
  }
  std::vector<const Entry*> in;
  if (!LookupInputs(ctx, args, 2, n, false, &in)) return;
  std::vector<double> weights(n, 1.0);
  Scored out = Compute(Op::kInter, Agg::kSum, in, weights);
  size_t card = out.size();
  if (limit > 0 && card > size_t(limit)) card = size_t(limit);
  ctx->rb()->Integer(int64_t(card));
}

}  // namespace brisk::cmd
