package org.patronijdbc.internal;

/** PostgreSQL WAL positions ({@code pg_lsn}, written {@code 16/B374D848}) as unsigned longs. */
public final class Lsn {

  private Lsn() {}

  /**
   * {@code text} as a position; 0 for null (a standby that has replayed nothing yet).
   *
   * @throws IllegalArgumentException when it is not a {@code pg_lsn}
   */
  public static long parse(String text) {
    if (text == null) {
      return 0;
    }
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1) {
      throw new IllegalArgumentException("not a WAL position: " + text);
    }
    long high = Long.parseLong(text.substring(0, slash), 16);
    long low = Long.parseLong(text.substring(slash + 1), 16);
    if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("not a WAL position: " + text);
    }
    return (high << 32) | low;
  }

  /** {@code lsn} as PostgreSQL writes it. */
  public static String format(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase()
        + "/"
        + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
  }
}
