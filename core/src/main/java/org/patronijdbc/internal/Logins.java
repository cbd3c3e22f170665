package org.patronijdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Logins that can be called off: each runs on a daemon thread while the caller waits on its future,
 * so {@link #cancel} frees every caller waiting on a member at once (a login to a leader that froze
 * would otherwise hold a pool's only connection adder for the whole login timeout). A login that
 * completes after it was called off closes its connection.
 */
public final class Logins {

  /** One login: pgjdbc's connect to one member. */
  @FunctionalInterface
  public interface Login {
    /** Opens the connection. */
    Connection open() throws SQLException;
  }

  private static final AtomicInteger threadCount = new AtomicInteger();
  private static final ThreadPoolExecutor THREADS =
      new ThreadPoolExecutor(
          0,
          Integer.MAX_VALUE,
          10,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(r, "patroni-jdbc-login-" + threadCount.incrementAndGet());
            t.setDaemon(true);
            t.setContextClassLoader(null); // never pin an application's class loader
            return t;
          });

  private final Map<String, Set<CompletableFuture<Connection>>> inFlight =
      new ConcurrentHashMap<>();

  /**
   * Runs {@code login} for {@code member} and waits for it, at most {@code loginSeconds} plus a
   * second (pgjdbc bounds the login itself).
   *
   * @throws SQLException the login's own error; 08006 when it was called off; 08001 when it took
   *     too long or the caller was interrupted
   */
  public Connection open(String member, Login login, int loginSeconds) throws SQLException {
    if (Thread.currentThread().isInterrupted()) {
      // no login for a caller that has given up: it would only be closed on arrival
      throw new SQLException("interrupted before the login to " + member, Errors.NO_FIT_MEMBER);
    }
    CompletableFuture<Connection> future = new CompletableFuture<>();
    Set<CompletableFuture<Connection>> toMember =
        inFlight.computeIfAbsent(member, m -> ConcurrentHashMap.newKeySet());
    toMember.add(future);
    boolean handedOut = false;
    try {
      THREADS.execute(() -> run(login, future));
      // pgjdbc bounds the login itself; the margin covers handing the result over
      Connection c = future.get(loginSeconds * 1000L + 500, TimeUnit.MILLISECONDS);
      handedOut = true;
      return c;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SQLException sql) {
        throw sql;
      }
      throw new SQLException(
          "login to " + member + " failed: " + e.getCause(), Errors.NO_FIT_MEMBER, e.getCause());
    } catch (TimeoutException e) {
      throw new SQLException(
          "login to " + member + " took longer than " + loginSeconds + " s", Errors.NO_FIT_MEMBER);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted during the login to " + member, Errors.NO_FIT_MEMBER, e);
    } finally {
      toMember.remove(future);
      // not done: its connection is closed on arrival; done just after we gave up: close it here
      if (!handedOut && !future.cancel(false) && !future.isCompletedExceptionally()) {
        closeQuietly(future.join());
      }
    }
  }

  /** Runs {@code task} on one of the library's daemon threads (never the caller's). */
  public static void background(Runnable task) {
    THREADS.execute(task);
  }

  /**
   * Calls off every login under way to {@code member}: their callers get 08006 at once.
   *
   * @return how many were called off
   */
  public int cancel(String member, String why) {
    int cancelled = 0;
    for (CompletableFuture<Connection> f : List.copyOf(inFlight.getOrDefault(member, Set.of()))) {
      if (f.completeExceptionally(new SQLException(why, "08006"))) {
        cancelled++;
      }
    }
    return cancelled;
  }

  private static void run(Login login, CompletableFuture<Connection> future) {
    if (future.isDone()) {
      return;
    }
    try {
      Connection c = login.open();
      if (!future.complete(c)) {
        closeQuietly(c); // called off meanwhile: nobody will use it
      }
    } catch (Throwable e) {
      future.completeExceptionally(e);
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException | RuntimeException e) {
      // the connection was never handed out
    }
  }
}
