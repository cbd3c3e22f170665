package org.patronijdbc.internal;

import java.util.concurrent.TimeUnit;

/**
 * The one deadline of a connect: from the first attempt to the handed-out connection, every login,
 * role check and query the library runs is bounded by what is left of it.
 */
public final class Deadline {

  private final long atNanos;

  private Deadline(long atNanos) {
    this.atNanos = atNanos;
  }

  /** A deadline {@code millis} from now. */
  public static Deadline afterMillis(long millis) {
    return new Deadline(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
  }

  /** What is left, in milliseconds; zero or less once it has passed. */
  public long remainingMillis() {
    return TimeUnit.NANOSECONDS.toMillis(atNanos - System.nanoTime());
  }

  /** Whether it has passed. */
  public boolean isExpired() {
    return atNanos - System.nanoTime() <= 0;
  }
}
