package org.patronijdbc.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a JVM's logins to a failing member to about one per {@value #PROBE_INTERVAL_MS} ms, however
 * many threads wait: after a failed login, one thread per interval may try the member again; the
 * first login that succeeds lets everyone through.
 */
public final class LoginThrottle {

  static final long PROBE_INTERVAL_MS = 100;

  /** Per failing member: when the next probe may start. Absent: the member is not failing. */
  private final ConcurrentHashMap<String, AtomicLong> nextProbeNanos = new ConcurrentHashMap<>();

  /** Whether this thread may log in to {@code member} now. */
  public boolean mayTry(String member) {
    AtomicLong next = nextProbeNanos.get(member);
    if (next == null) {
      return true;
    }
    long now = System.nanoTime();
    long allowed = next.get();
    return now - allowed >= 0
        && next.compareAndSet(allowed, now + TimeUnit.MILLISECONDS.toNanos(PROBE_INTERVAL_MS));
  }

  /** A login to {@code member} failed in a way worth retrying. */
  public void failed(String member) {
    nextProbeNanos.computeIfAbsent(
        member,
        m -> new AtomicLong(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_INTERVAL_MS)));
  }

  /**
   * A login to {@code member} succeeded (the monitor hears of every connection opened): nobody
   * waits for it any longer.
   */
  public void succeeded(String member) {
    if (!nextProbeNanos.isEmpty()) {
      nextProbeNanos.remove(member);
    }
  }
}
