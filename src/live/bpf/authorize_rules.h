/* The connect and bind authorization that wfpd --live --ebpf puts in the
 * kernel: the rules of the ALE_AUTH_CONNECT and ALE_RESOURCE_ASSIGNMENT
 * layers compiled to a flat list (authorize_compiler.hpp), and the one
 * evaluation both sides run: the BPF programs (authorize.bpf.c) on each
 * connect, send and bind, and the compiler's tests against the engine.
 *
 * Rules are in evaluation order: by sublayer (highest weight first), then by
 * filter weight. A filter whose conditions OR several values becomes several
 * consecutive rules. In each sublayer the first matching rule decides; its
 * decision stands when the decision so far is soft (or there is none); a
 * hard one ends the evaluation (without callouts nothing can veto it). No
 * decision: permit. This is the engine's arbitration (arbitrate.cpp) for
 * layers whose filters are all plain Permit or Block. */
#ifndef OPENWFP_LIVE_BPF_AUTHORIZE_RULES_H
#define OPENWFP_LIVE_BPF_AUTHORIZE_RULES_H

#include <linux/types.h>

/* The layers, as slots of the rule table. */
#define OWFP_SLOT_CONNECT_V4 0u
#define OWFP_SLOT_CONNECT_V6 1u
#define OWFP_SLOT_BIND_V4 2u
#define OWFP_SLOT_BIND_V6 3u
#define OWFP_SLOTS 4u
#define OWFP_MAX_RULES 4096u /* per slot and copy */

#define OWFP_PERMIT 1u
#define OWFP_BLOCK 2u

#define OWFP_APP_ANY 0u        /* a rule's app: any process */
#define OWFP_APP_UNLISTED 0u   /* a process's app: not one the rules name */

/* One rule: every field an inclusive range. Addresses are 128-bit keys
 * (IPv4: the address in host order in the low word), as the engine's
 * classifier orders them. */
struct owfp_rule {
  __u64 addr_low_hi, addr_low_lo;
  __u64 addr_high_hi, addr_high_lo;
  __u64 filter_id;
  __u32 uid_low, uid_high;
  __u32 app;       /* OWFP_APP_ANY or the index of one executable (apps map) */
  __u32 sublayer;  /* position of the rule's sublayer in evaluation order */
  __u16 port_low, port_high; /* remote port (connect), local port (bind) */
  __u8 protocol_low, protocol_high;
  __u8 action;     /* OWFP_PERMIT or OWFP_BLOCK */
  __u8 hard;       /* clears the write right */
};

/* What one connect, send or bind offers the rules. */
struct owfp_tuple {
  __u64 addr_hi, addr_lo; /* remote (connect, send) or local (bind) address */
  __u32 uid;
  __u32 app;              /* index from the apps map, OWFP_APP_UNLISTED */
  __u16 port;             /* host order */
  __u8 protocol;
  __u8 pad;
};

/* The evaluation so far. */
struct owfp_state {
  __u64 filter_id;   /* the deciding filter; 0: none */
  __u32 sublayer_done; /* the sublayer whose decision was taken last */
  __u32 action;      /* 0: none yet, OWFP_PERMIT, OWFP_BLOCK */
  __u32 writable;    /* the decision so far is soft */
  __u32 pad;
};

static inline void owfp_state_init(struct owfp_state *s) {
  s->filter_id = 0;
  s->sublayer_done = 0xffffffffu;
  s->action = 0;
  s->writable = 1;
  s->pad = 0;
}

static inline int owfp_addr_at_least(__u64 hi, __u64 lo, __u64 bound_hi, __u64 bound_lo) {
  return hi > bound_hi || (hi == bound_hi && lo >= bound_lo);
}

static inline int owfp_rule_matches(const struct owfp_rule *r, const struct owfp_tuple *t) {
  if (t->protocol < r->protocol_low || t->protocol > r->protocol_high) return 0;
  if (t->port < r->port_low || t->port > r->port_high) return 0;
  if (t->uid < r->uid_low || t->uid > r->uid_high) return 0;
  if (r->app != OWFP_APP_ANY && r->app != t->app) return 0;
  if (!owfp_addr_at_least(t->addr_hi, t->addr_lo, r->addr_low_hi, r->addr_low_lo)) return 0;
  if (!owfp_addr_at_least(r->addr_high_hi, r->addr_high_lo, t->addr_hi, t->addr_lo)) return 0;
  return 1;
}

/* One rule's turn; 1 when the evaluation is over. */
static inline int owfp_step(struct owfp_state *s, const struct owfp_rule *r, const struct owfp_tuple *t) {
  if (r->sublayer == s->sublayer_done) return 0; /* this sublayer has decided */
  if (!owfp_rule_matches(r, t)) return 0;
  s->sublayer_done = r->sublayer;
  if (s->writable) {
    s->action = r->action;
    s->writable = r->hard ? 0u : 1u;
    s->filter_id = r->filter_id;
  }
  return s->writable ? 0 : 1;
}

/* The settings wfpd publishes: per copy of the rule table, its rule counts
 * and whether the layer is decided here at all (0: the layer has a filter
 * the kernel cannot evaluate, so connects pass to the queue's full stack). */
struct owfp_settings {
  __u64 netns_cookie; /* only sockets of wfpd's network namespace are judged */
  __u32 count[2][OWFP_SLOTS];
  __u32 decided[2][OWFP_SLOTS];
};

/* Counters, per CPU. */
#define OWFP_STAT_EVALUATED 0u
#define OWFP_STAT_PERMITTED 1u
#define OWFP_STAT_BLOCKED 2u
#define OWFP_STAT_DEFERRED 3u    /* the layer is left to the queue */
#define OWFP_STAT_OTHER_NETNS 4u
#define OWFP_STAT_EVENTS_LOST 5u /* the event ring was full */
#define OWFP_STAT_NO_APP 6u      /* no executable (a kernel thread) */
#define OWFP_STATS 7u

/* A refused connect, send or bind. */
struct owfp_event {
  __u64 filter_id;
  __u64 exe_dev, exe_ino;
  __u32 pid, uid, gid;
  __u32 slot;
  __u8 addr[16]; /* network order; IPv4 in the first four bytes */
  __u16 port;    /* host order */
  __u8 protocol;
  __u8 pad;
  char comm[16];
};

/* The apps map's key: an executable's file (the kernel's device number). */
struct owfp_app_key {
  __u64 dev;
  __u64 ino;
};

#endif
