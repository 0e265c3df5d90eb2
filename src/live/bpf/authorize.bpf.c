// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only
/* ALE_AUTH_CONNECT and ALE_RESOURCE_ASSIGNMENT in the kernel: cgroup
 * programs that judge each connect, unconnected send and bind of the
 * processes below wfpd's cgroup, in wfpd's network namespace, against the
 * rules wfpd compiles from its filters (authorize_rules.h). A refusal is the
 * error the caller sees (EPERM) and an event in the ring; nothing leaves. */
#include <linux/bpf.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "authorize_rules.h"

/* The kernel structures read for the executable's identity (CO-RE: the
 * offsets come from the running kernel's BTF). */
struct super_block {
  unsigned int s_dev;
} __attribute__((preserve_access_index));
struct inode {
  unsigned long i_ino;
  struct super_block *i_sb;
} __attribute__((preserve_access_index));
struct file {
  struct inode *f_inode;
} __attribute__((preserve_access_index));
struct mm_struct {
  struct file *exe_file;
} __attribute__((preserve_access_index));
struct task_struct {
  struct mm_struct *mm;
} __attribute__((preserve_access_index));

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2 * OWFP_SLOTS * OWFP_MAX_RULES);
  __type(key, __u32);
  __type(value, struct owfp_rule);
} rules SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct owfp_settings);
} settings SEC(".maps");

/* Which copy of the rules is live: wfpd fills the other, then flips this. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} active_copy SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, struct owfp_app_key);
  __type(value, __u32);
} apps SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, OWFP_STATS);
  __type(key, __u32);
  __type(value, __u64);
} stats SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline void count(__u32 which) {
  __u64 *c = bpf_map_lookup_elem(&stats, &which);
  if (c) *c += 1;
}

struct walk {
  struct owfp_tuple tuple;
  struct owfp_state state;
  __u32 base; /* index of the slot's first rule in the live copy */
};

static long step(__u32 i, void *data) {
  struct walk *w = data;
  __u32 index = w->base + i;
  const struct owfp_rule *r = bpf_map_lookup_elem(&rules, &index);
  if (!r) return 1;
  return owfp_step(&w->state, r, &w->tuple);
}

static __always_inline void identify(struct owfp_tuple *t, struct owfp_app_key *exe) {
  t->uid = (__u32)bpf_get_current_uid_gid();
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct file *file = BPF_CORE_READ(task, mm, exe_file);
  exe->dev = 0;
  exe->ino = 0;
  t->app = OWFP_APP_UNLISTED;
  if (!file) {
    count(OWFP_STAT_NO_APP);
    return;
  }
  exe->ino = BPF_CORE_READ(file, f_inode, i_ino);
  exe->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
  __u32 *app = bpf_map_lookup_elem(&apps, exe);
  if (app) t->app = *app;
}

static __always_inline void report(__u32 slot, const struct walk *w, const struct owfp_app_key *exe,
                                   const __u32 *addr6, __u32 addr4) {
  struct owfp_event *e = bpf_ringbuf_reserve(&events, sizeof *e, 0);
  if (!e) {
    count(OWFP_STAT_EVENTS_LOST);
    return;
  }
  __u64 uid_gid = bpf_get_current_uid_gid();
  e->filter_id = w->state.filter_id;
  e->exe_dev = exe->dev;
  e->exe_ino = exe->ino;
  e->pid = (__u32)(bpf_get_current_pid_tgid() >> 32);
  e->uid = (__u32)uid_gid;
  e->gid = (__u32)(uid_gid >> 32);
  e->slot = slot;
  __builtin_memset(e->addr, 0, sizeof e->addr);
  if (addr6) {
    __builtin_memcpy(e->addr, addr6, 16);
  } else {
    __builtin_memcpy(e->addr, &addr4, 4);
  }
  e->port = w->tuple.port;
  e->protocol = w->tuple.protocol;
  e->pad = 0;
  bpf_get_current_comm(e->comm, sizeof e->comm);
  bpf_ringbuf_submit(e, 0);
}

/* 1: allowed, 0: refused (EPERM). addr6 (network order) or addr4 (network
 * order) is what the event reports. */
static __always_inline int judge(__u64 netns_cookie, __u32 slot, struct owfp_tuple *t, const __u32 *addr6,
                                 __u32 addr4) {
  __u32 zero = 0;
  const struct owfp_settings *s = bpf_map_lookup_elem(&settings, &zero);
  const __u32 *active = bpf_map_lookup_elem(&active_copy, &zero);
  if (!s || !active) return 1;
  if (s->netns_cookie != netns_cookie) {
    count(OWFP_STAT_OTHER_NETNS);
    return 1;
  }
  count(OWFP_STAT_EVALUATED);
  __u32 copy = *active & 1;
  if (!s->decided[copy][slot]) {
    count(OWFP_STAT_DEFERRED);
    return 1;
  }
  struct walk w;
  struct owfp_app_key exe;
  identify(t, &exe);
  w.tuple = *t;
  owfp_state_init(&w.state);
  w.base = (copy * OWFP_SLOTS + slot) * OWFP_MAX_RULES;
  __u32 n = s->count[copy][slot];
  if (n > OWFP_MAX_RULES) n = OWFP_MAX_RULES;
  bpf_loop(n, step, &w, 0);
  if (w.state.action == OWFP_BLOCK) {
    count(OWFP_STAT_BLOCKED);
    report(slot, &w, &exe, addr6, addr4);
    return 0;
  }
  count(OWFP_STAT_PERMITTED);
  return 1;
}

static __always_inline int judge4(__u64 cookie, __u32 slot, __u32 addr_be, __u16 port, __u8 protocol) {
  struct owfp_tuple t = {};
  t.addr_lo = bpf_ntohl(addr_be);
  t.port = port;
  t.protocol = protocol;
  return judge(cookie, slot, &t, 0, addr_be);
}

static __always_inline int judge6(__u64 cookie, __u32 slot4, __u32 slot6, const __u32 *addr_be, __u16 port,
                                  __u8 protocol) {
  __u32 a0 = addr_be[0], a1 = addr_be[1], a2 = addr_be[2], a3 = addr_be[3];
  /* An IPv4-mapped address leaves as IPv4: the V4 layer judges it. */
  if (a0 == 0 && a1 == 0 && a2 == bpf_htonl(0x0000ffff)) return judge4(cookie, slot4, a3, port, protocol);
  struct owfp_tuple t = {};
  t.addr_hi = ((__u64)bpf_ntohl(a0) << 32) | bpf_ntohl(a1);
  t.addr_lo = ((__u64)bpf_ntohl(a2) << 32) | bpf_ntohl(a3);
  t.port = port;
  t.protocol = protocol;
  __u32 copy[4] = {a0, a1, a2, a3};
  return judge(cookie, slot6, &t, copy, 0);
}

/* connect and unconnected send: the address and port asked for. */
static __always_inline int judge_sock_addr4(struct bpf_sock_addr *ctx) {
  return judge4(bpf_get_netns_cookie(ctx), OWFP_SLOT_CONNECT_V4, ctx->user_ip4, bpf_ntohs((__u16)ctx->user_port),
                (__u8)ctx->protocol);
}

static __always_inline int judge_sock_addr6(struct bpf_sock_addr *ctx) {
  __u32 addr[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
  return judge6(bpf_get_netns_cookie(ctx), OWFP_SLOT_CONNECT_V4, OWFP_SLOT_CONNECT_V6, addr,
                bpf_ntohs((__u16)ctx->user_port), (__u8)ctx->protocol);
}

SEC("cgroup/connect4")
int owfp_connect4(struct bpf_sock_addr *ctx) { return judge_sock_addr4(ctx); }

SEC("cgroup/connect6")
int owfp_connect6(struct bpf_sock_addr *ctx) { return judge_sock_addr6(ctx); }

SEC("cgroup/sendmsg4")
int owfp_sendmsg4(struct bpf_sock_addr *ctx) { return judge_sock_addr4(ctx); }

SEC("cgroup/sendmsg6")
int owfp_sendmsg6(struct bpf_sock_addr *ctx) { return judge_sock_addr6(ctx); }

SEC("cgroup/post_bind4")
int owfp_post_bind4(struct bpf_sock *sk) {
  return judge4(bpf_get_netns_cookie(sk), OWFP_SLOT_BIND_V4, sk->src_ip4, (__u16)sk->src_port, (__u8)sk->protocol);
}

SEC("cgroup/post_bind6")
int owfp_post_bind6(struct bpf_sock *sk) {
  __u32 addr[4] = {sk->src_ip6[0], sk->src_ip6[1], sk->src_ip6[2], sk->src_ip6[3]};
  return judge6(bpf_get_netns_cookie(sk), OWFP_SLOT_BIND_V4, OWFP_SLOT_BIND_V6, addr, (__u16)sk->src_port,
                (__u8)sk->protocol);
}

/* The helpers that read the current task are the kernel's GPL-only ones:
 * this file is offered under GPL-2.0 as well as the project's licence. */
char LICENSE[] SEC("license") = "GPL";
