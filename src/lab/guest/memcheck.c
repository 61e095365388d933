/*
 * memcheck — the lab guest's memory verifier and heartbeat (runs as PID 1 via /init).
 *
 * Why it exists: every live move must be proven lossless (no page lost or stale after post-copy)
 * and non-rebooting. It keeps lv.mem MiB filled with a pattern that depends on (page, generation,
 * word), so a page that comes back zeroed, stale (an older generation), or from another page is
 * caught. It dirties lv.rate MiB/s so migrations have real work, and heartbeats with the boot id
 * and uptime so a reboot cannot hide.
 *
 * Kernel command line: lv.mem=<MiB> (64) lv.rate=<MiB/s> (0) lv.hb=<ms> (1000)
 *                      lv.selftest_corrupt=1 (flip one word after LVREADY, to prove detection)
 * Console lines (one write(2) each, so they never interleave partially with each other):
 *   LVREADY boot=<8 hex> mem=<MiB> rate=<MiB/s> pages=<n> fill_ms=<ms>
 *   LVHB boot=<8 hex> up=<s.cc> seq=<n> mem=<MiB> rate=<MiB/s> written=<pages> verified=<pages>
 *        errors=<bad pages> passes=<n> cpu=<% of one CPU since the last heartbeat>
 *   LVERR page=<idx> word=<idx> want=<hex> got=<hex> words=<bad words in page>   (rate-limited)
 *   LVFATAL <reason>
 * Build: gcc -static -O2 (no libc beyond glibc static; the initramfs has nothing else).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define WORDS (PAGE / 8u)
#define TICK_NS 10000000LL        /* work quantum when dirtying: small so the rate is smooth */
#define IDLE_TICK_NS 100000000LL  /* rate 0: few wake-ups, so an idle guest costs little under TCG */
#define BACKLOG_S 0.25            /* after a pause (e.g. migration downtime) burst at most this much */
#define VERIFY_PASS_S 5.0         /* rate 0: one full verify pass per this many seconds */
#define MAX_ERR_LINES_PER_HB 8    /* LVERR lines per heartbeat interval; errors= counts all */

static int out_fd = 1;
static char boot[9] = "unknown";

static void emit(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof buf - 2) n = (int)sizeof buf - 2;
  buf[n++] = '\n';
  /* One write per line: the tty layer keeps a single write contiguous against other writers. */
  for (int off = 0; off < n;) {
    ssize_t w = write(out_fd, buf + off, (size_t)(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    off += (int)w;
  }
}

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(int64_t t) {
  struct timespec ts = {.tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static void read_small(const char *path, char *buf, size_t cap) {
  buf[0] = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  buf[n > 0 ? n : 0] = 0;
}

/* Value of "name=<unsigned>" on the kernel command line, or def. */
static unsigned long param(const char *cmdline, const char *name, unsigned long def) {
  size_t len = strlen(name);
  for (const char *p = cmdline; (p = strstr(p, name)) != NULL; p += len) {
    if ((p == cmdline || p[-1] == ' ') && p[len] == '=') return strtoul(p + len + 1, NULL, 10);
  }
  return def;
}

/* splitmix64 finaliser: a good 64-bit mix, cheap enough for TCG. */
static uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/* Word w of page p at generation g is seed(p,g) + w*K: one add per word, distinct per word. */
static uint64_t seed(uint64_t p, uint32_t g) { return mix((p << 32) ^ g ^ 0x4C56u); }
#define K 0xD6E8FEB86659FD93ULL

static void fill(uint64_t *w, uint64_t p, uint32_t g) {
  uint64_t v = seed(p, g);
  for (unsigned i = 0; i < WORDS; i++, v += K) w[i] = v;
}

static uint8_t *mem;
static uint32_t *gen;
static uint64_t npages, cursor, written, verified, errors, passes, err_lines;

/* Verify the cursor's page; on success (rewrite) write it at gen+1; a bad page is repaired. */
static void step(int rewrite) {
  uint64_t p = cursor;
  uint64_t *w = (uint64_t *)(mem + p * PAGE);
  uint64_t want = seed(p, gen[p]);
  unsigned bad = 0, first = 0;
  uint64_t fw = 0, fg = 0;
  for (unsigned i = 0; i < WORDS; i++, want += K) {
    if (w[i] != want) {
      if (bad++ == 0) first = i, fw = want, fg = w[i];
    }
  }
  verified++;
  if (bad) {
    errors++;
    if (err_lines++ < MAX_ERR_LINES_PER_HB)
      emit("LVERR page=%llu word=%u want=%016llx got=%016llx words=%u", (unsigned long long)p,
           first, (unsigned long long)fw, (unsigned long long)fg, bad);
  }
  if (rewrite) {
    gen[p]++;
    written++;
  }
  if (rewrite || bad) fill(w, p, gen[p]); /* repair so one corruption is counted once */
  if (++cursor == npages) cursor = 0, passes++;
}

int main(void) {
  int fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd >= 0) out_fd = fd;

  char cmdline[4096], buf[128];
  read_small("/proc/cmdline", cmdline, sizeof cmdline);
  unsigned long mem_mib = param(cmdline, "lv.mem", 64);
  unsigned long rate = param(cmdline, "lv.rate", 0);
  unsigned long hb_ms = param(cmdline, "lv.hb", 1000);
  int corrupt = (int)param(cmdline, "lv.selftest_corrupt", 0);
  if (mem_mib == 0) mem_mib = 1;
  if (hb_ms < 50) hb_ms = 50;
  read_small("/proc/sys/kernel/random/boot_id", buf, sizeof buf);
  if (strlen(buf) >= 8) memcpy(boot, buf, 8), boot[8] = 0;

  npages = (uint64_t)mem_mib * 256u;
  mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  gen = mmap(NULL, npages * sizeof *gen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED || gen == MAP_FAILED) {
    emit("LVFATAL mmap of %lu MiB failed: %s", mem_mib, strerror(errno));
    for (;;) pause(); /* PID 1 must never exit: that would panic the guest */
  }

  int64_t t0 = mono_ns();
  for (uint64_t p = 0; p < npages; p++) fill((uint64_t *)(mem + p * PAGE), p, 0); /* gen[] is 0 */
  int64_t now = mono_ns();
  emit("LVREADY boot=%s mem=%lu rate=%lu pages=%llu fill_ms=%lld", boot, mem_mib, rate,
       (unsigned long long)npages, (long long)((now - t0) / 1000000));
  if (corrupt) {
    ((uint64_t *)mem)[3] ^= 0x1; /* page 0 is the next verified */
    emit("LVSELFTEST page=0 word=3");
  }

  /* Token bucket in pages: smooth rate, bounded burst after the guest was paused. */
  double pps = rate ? (double)rate * 256.0 : (double)npages / VERIFY_PASS_S;
  double tokens = 0, cap = pps * BACKLOG_S + 1;
  const long hz = sysconf(_SC_CLK_TCK);
  struct tms tm;
  clock_t cpu_prev = times(&tm) >= 0 ? tm.tms_utime + tm.tms_stime : 0;
  int64_t last = now, hb_prev = now, next_hb = now + (int64_t)hb_ms * 1000000LL;
  uint64_t seq = 0;
  for (;;) {
    now = mono_ns();
    tokens += (double)(now - last) * 1e-9 * pps;
    last = now;
    if (tokens > cap) tokens = cap;
    for (; tokens >= 1.0; tokens -= 1.0) step(rate != 0);

    now = mono_ns();
    if (now >= next_hb) {
      times(&tm);
      clock_t cpu = tm.tms_utime + tm.tms_stime;
      double pct = 100.0 * (double)(cpu - cpu_prev) / (double)hz / ((double)(now - hb_prev) * 1e-9);
      cpu_prev = cpu, hb_prev = now;
      read_small("/proc/uptime", buf, sizeof buf);
      char *sp = strchr(buf, ' ');
      if (sp) *sp = 0;
      emit("LVHB boot=%s up=%s seq=%llu mem=%lu rate=%lu written=%llu verified=%llu errors=%llu "
           "passes=%llu cpu=%.1f",
           boot, buf, (unsigned long long)++seq, mem_mib, rate, (unsigned long long)written,
           (unsigned long long)verified, (unsigned long long)errors, (unsigned long long)passes, pct);
      err_lines = 0;
      /* Keep the cadence, but after a long pause do not emit a burst of catch-up heartbeats. */
      next_hb += (int64_t)hb_ms * 1000000LL;
      if (next_hb <= now) next_hb = now + (int64_t)hb_ms * 1000000LL;
    }
    int64_t wake = now + (rate ? TICK_NS : IDLE_TICK_NS);
    sleep_until(wake < next_hb ? wake : next_hb);
  }
}
