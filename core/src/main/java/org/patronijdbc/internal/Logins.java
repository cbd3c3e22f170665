package org.patronijdbc.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.PGConnection;

/**
 * pgjdbc logins to one member, on the caller's thread: pgjdbc bounds each with its {@code
 * loginTimeout} (here what is left of the connect's deadline, at most the configured one) on a
 * connect thread it starts from the caller's, or through the application's {@code connectExecutor},
 * so the caller's context class loader and thread locals reach pgjdbc as they would without
 * patroni-jdbc. A login under way can be called off ({@link #cancel}): its caller is interrupted
 * out of pgjdbc's wait (pgjdbc then abandons the attempt and closes a connection that arrives late)
 * and gets 08001 at once; the interrupt is cleared again.
 */
public final class Logins {

  /** pgjdbc's own default would be no login timeout at all: a frozen server hangs the login. */
  static final int DEFAULT_LOGIN_TIMEOUT_S = 5;

  private static final org.postgresql.Driver PGJDBC = new org.postgresql.Driver();

  private static final AtomicInteger threadCount = new AtomicInteger();
  private static final ThreadPoolExecutor BACKGROUND =
      new ThreadPoolExecutor(
          0,
          Integer.MAX_VALUE,
          10,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(r, "patroni-jdbc-background-" + threadCount.incrementAndGet());
            t.setDaemon(true);
            t.setContextClassLoader(null); // never pin an application's class loader
            return t;
          });

  /** One login under way, and whether it was called off. */
  private static final class Attempt {
    final Thread thread = Thread.currentThread();
    private boolean running = true;
    private String calledOff;

    synchronized boolean cancel(String why) {
      if (!running || calledOff != null) {
        return false;
      }
      calledOff = why;
      thread.interrupt();
      return true;
    }

    /** Ends the attempt; the reason it was called off, with the interrupt cleared, or null. */
    synchronized String finish() {
      running = false;
      if (calledOff != null) {
        Thread.interrupted(); // ours, not the caller's
      }
      return calledOff;
    }
  }

  private final Map<String, Set<Attempt>> inFlight = new ConcurrentHashMap<>();

  /**
   * A pgjdbc connection to {@code address}, bounded by {@code deadline}.
   *
   * @param member the member's name, for {@link #cancel} and messages
   * @throws SQLException pgjdbc's own error; 22023 with pgjdbc's as the cause when the local set-up
   *     cannot work ({@link LocalSetup}); 08001 when the login was called off, the caller was
   *     interrupted, or no time is left
   */
  public Connection open(
      String member, String address, String database, Properties props, Deadline deadline)
      throws SQLException {
    if (Thread.currentThread().isInterrupted()) {
      // no login for a caller that has given up: it would only be closed on arrival
      throw SqlState.NO_FIT_MEMBER.exception("interrupted before the login to " + member);
    }
    long leftMs = deadline.remainingMillis();
    if (leftMs <= 0) {
      throw SqlState.NO_FIT_MEMBER.exception("no time left for a login to " + member);
    }
    Properties p = bounded(props, leftMs);
    Attempt attempt = new Attempt();
    Set<Attempt> toMember = inFlight.computeIfAbsent(member, m -> ConcurrentHashMap.newKeySet());
    toMember.add(attempt);
    Connection c = null;
    Exception failure = null;
    String calledOff;
    try {
      c = PGJDBC.connect(pgUrl(address, database), p);
    } catch (SQLException | RuntimeException e) {
      failure = e; // pgjdbc reports an interrupted wait as a RuntimeException
    } finally {
      toMember.remove(attempt);
      calledOff = attempt.finish();
    }
    if (calledOff != null) {
      closeQuietly(c);
      throw SqlState.NO_FIT_MEMBER.exception(
          "the login to " + member + " was called off: " + calledOff, failure);
    }
    if (failure instanceof SQLException e) {
      var local = LocalSetup.problem(e, p);
      if (local.isPresent()) {
        throw SqlState.INVALID_PARAMETER.exception(
            "The login to " + member + " cannot work from here: " + local.get(), e);
      }
      throw e;
    }
    if (failure != null) {
      throw SqlState.NO_FIT_MEMBER.exception(
          (Thread.currentThread().isInterrupted() ? "interrupted during the login to " : "")
              + "the login to "
              + member
              + " failed: "
              + failure,
          failure);
    }
    if (c == null) {
      throw SqlState.NO_FIT_MEMBER.exception("pgjdbc refused the URL for " + member);
    }
    return c;
  }

  /**
   * Calls off every login under way to {@code member}: their callers get 08001 at once.
   *
   * @return how many were called off
   */
  public int cancel(String member, String why) {
    int cancelled = 0;
    for (Attempt a : List.copyOf(inFlight.getOrDefault(member, Set.of()))) {
      if (a.cancel(why)) {
        cancelled++;
      }
    }
    return cancelled;
  }

  /**
   * Whether the server is a hot standby: from the login's {@code in_hot_standby} (PostgreSQL 14+)
   * when {@code trustLogin}, else by asking; the question is bounded by {@code deadline}.
   */
  public static boolean isStandby(Connection c, Deadline deadline, boolean trustLogin)
      throws SQLException {
    String hot =
        trustLogin ? c.unwrap(PGConnection.class).getParameterStatus("in_hot_standby") : null;
    if (hot != null) {
      return "on".equals(hot);
    }
    return withinDeadline(
        c,
        deadline,
        () -> {
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
          }
        });
  }

  /** Work the library runs on a fresh connection, with its socket bounded by {@code deadline}. */
  public interface Work<T> {
    /** Runs the work. */
    T run() throws SQLException;
  }

  /**
   * Runs {@code work} on {@code c} with the socket's timeout set to what is left of {@code
   * deadline}, then restores the timeout the application configured.
   */
  public static <T> T withinDeadline(Connection c, Deadline deadline, Work<T> work)
      throws SQLException {
    long left = deadline.remainingMillis();
    if (left <= 0) {
      throw SqlState.NO_FIT_MEMBER.exception("no time left to check the new connection");
    }
    int configured = c.getNetworkTimeout();
    int bound = (int) Math.min(Integer.MAX_VALUE, left);
    c.setNetworkTimeout(Runnable::run, configured > 0 ? Math.min(configured, bound) : bound);
    T result = work.run();
    c.setNetworkTimeout(Runnable::run, configured);
    return result;
  }

  /** Runs {@code task} on one of the library's daemon threads (never the caller's). */
  public static void background(Runnable task) {
    BACKGROUND.execute(task);
  }

  /**
   * The pgjdbc URL for {@code database} on {@code address}. pgjdbc decoded the name when it parsed
   * the patroni URL, so it is encoded again: {@code my%3Fdb} must reach the database {@code my?db}.
   */
  static String pgUrl(String address, String database) {
    return "jdbc:postgresql://"
        + address
        + "/"
        + URLEncoder.encode(database, StandardCharsets.UTF_8);
  }

  /**
   * {@code props} with pgjdbc's {@code loginTimeout} at most what is left ({@link
   * #DEFAULT_LOGIN_TIMEOUT_S} when not configured; pgjdbc reads fractions of a second) and {@code
   * connectTimeout} no longer than the login.
   */
  private static Properties bounded(Properties props, long leftMs) {
    Properties p = new Properties();
    p.putAll(props);
    double wanted = seconds(p.getProperty("loginTimeout"), DEFAULT_LOGIN_TIMEOUT_S);
    double login = Math.min(wanted > 0 ? wanted : DEFAULT_LOGIN_TIMEOUT_S, leftMs / 1000.0);
    p.setProperty("loginTimeout", String.format(Locale.ROOT, "%.3f", Math.max(0.001, login)));
    int connect = (int) Math.max(1, Math.ceil(login));
    double configured = seconds(p.getProperty("connectTimeout"), 0);
    if (configured <= 0 || configured > connect) {
      p.setProperty("connectTimeout", String.valueOf(connect));
    }
    return p;
  }

  private static double seconds(String value, double otherwise) {
    if (value == null) {
      return otherwise;
    }
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      return otherwise; // pgjdbc reports its own property errors
    }
  }

  private static void closeQuietly(Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (SQLException | RuntimeException e) {
      // the connection was never handed out
    }
  }
}
