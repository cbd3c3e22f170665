package org.patronijdbc.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * What a JVM remembers about each member of one cluster, in one place that the router, the
 * connector, the probe and the read pools ask (as OkHttp's {@code RouteDatabase} and pgjdbc's
 * {@code GlobalHostStatusTracker}): how many connections are open to it, whether connecting to it
 * failed lately, and how far it was seen to have replayed the WAL. A member that failed goes last
 * for {@value #TRY_LAST_MS} ms, and while it fails one login per {@value #RETRY_INTERVAL_MS} ms may
 * try it, however many threads wait; the first connection that succeeds clears it. Time is a
 * parameter.
 */
public final class MemberLedger {

  static final long TRY_LAST_MS = 5000;
  static final long RETRY_INTERVAL_MS = 100;

  private static final long NEVER = Long.MIN_VALUE;

  private static final class Entry {
    final AtomicInteger open = new AtomicInteger();

    /** When the last failure was noted, or {@link #NEVER} while the member is not failing. */
    volatile long failedAtNanos = NEVER;

    /** While failing: when the next login may start. */
    final AtomicLong nextTryNanos = new AtomicLong();

    /** The highest WAL position it was seen to have replayed. */
    final AtomicLong replayed = new AtomicLong();
  }

  private final Object replayedLock = new Object();
  private long replayedGeneration;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  private Entry entry(String member) {
    return entries.computeIfAbsent(member, m -> new Entry());
  }

  /** A connection to {@code member} was handed out: it is reachable. */
  public void opened(String member) {
    Entry e = entry(member);
    e.open.incrementAndGet();
    e.failedAtNanos = NEVER;
  }

  /** A connection to {@code member} was closed. */
  public void closed(String member) {
    Entry e = entries.get(member);
    if (e != null) {
      e.open.decrementAndGet();
    }
  }

  /** How many connections this JVM holds open to {@code member} (for leastConnections). */
  public int openConnections(String member) {
    Entry e = entries.get(member);
    return e == null ? 0 : e.open.get();
  }

  /**
   * Connecting to {@code member} failed at {@code nowNanos} in a way that says something about the
   * member (not a refused login, not an interrupted caller).
   */
  public void failed(String member, long nowNanos) {
    Entry e = entry(member);
    if (e.failedAtNanos == NEVER) {
      e.nextTryNanos.set(nowNanos + TimeUnit.MILLISECONDS.toNanos(RETRY_INTERVAL_MS));
    }
    e.failedAtNanos = nowNanos;
  }

  /** Whether connecting to {@code member} failed within {@value #TRY_LAST_MS} ms. */
  public boolean isFailing(String member, long nowNanos) {
    Entry e = entries.get(member);
    if (e == null) {
      return false;
    }
    long at = e.failedAtNanos;
    return at != NEVER && nowNanos - at < TimeUnit.MILLISECONDS.toNanos(TRY_LAST_MS);
  }

  /**
   * Whether a login to {@code member} may start at {@code nowNanos}: always while it is not
   * failing; while it is, one caller per {@value #RETRY_INTERVAL_MS} ms.
   */
  public boolean mayTry(String member, long nowNanos) {
    Entry e = entries.get(member);
    if (e == null || e.failedAtNanos == NEVER) {
      return true;
    }
    long allowed = e.nextTryNanos.get();
    return nowNanos - allowed >= 0
        && e.nextTryNanos.compareAndSet(
            allowed, nowNanos + TimeUnit.MILLISECONDS.toNanos(RETRY_INTERVAL_MS));
  }

  /** The highest WAL position {@code member} was seen to have replayed; 0 when never asked. */
  public long replayed(String member) {
    Entry e = entries.get(member);
    return e == null ? 0 : e.replayed.get();
  }

  /**
   * Forgets what every member was seen to have replayed (a new timeline may rewind a member); what
   * was asked before this and answered after is not taken ({@link #replayedGeneration}).
   */
  public void forgetReplayed() {
    synchronized (replayedLock) {
      replayedGeneration++;
      entries.values().forEach(e -> e.replayed.set(0));
    }
  }

  /** Changes with every {@link #forgetReplayed}: taken before asking a member what it replayed. */
  public long replayedGeneration() {
    synchronized (replayedLock) {
      return replayedGeneration;
    }
  }

  /**
   * {@code member} was seen to have replayed {@code lsn}, asked when {@link #replayedGeneration}
   * was {@code generation}: ignored when it was asked before the ledger forgot (a rewound member's
   * old position).
   */
  public void noteReplayed(String member, long lsn, long generation) {
    synchronized (replayedLock) {
      if (generation == replayedGeneration) {
        entry(member).replayed.accumulateAndGet(lsn, Math::max);
      }
    }
  }

  /** {@code members} with those failing lately last, otherwise in their order (stable). */
  public <T> List<T> failingLast(List<T> members, Function<T, String> name, long nowNanos) {
    List<T> ordered = new ArrayList<>(members);
    if (!entries.isEmpty()) {
      ordered.sort(Comparator.comparing(m -> isFailing(name.apply(m), nowNanos)));
    }
    return ordered;
  }
}
