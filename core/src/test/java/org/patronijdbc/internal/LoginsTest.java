package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A login to a member that lost its role is called off at once, and a connection that arrives after
 * that is closed, never handed out (the late joiner).
 */
class LoginsTest {

  /** A stand-in for a pgjdbc connection that only records close(). */
  private static Connection connection(AtomicBoolean closed) {
    return (Connection)
        Proxy.newProxyInstance(
            LoginsTest.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close")) {
                closed.set(true);
              }
              return null;
            });
  }

  @Test
  void aLoginCalledOffFreesItsCallerAtOnceAndItsLateConnectionIsClosed() throws Exception {
    Logins logins = new Logins();
    CountDownLatch loginStarted = new CountDownLatch(1);
    CountDownLatch serverAnswers = new CountDownLatch(1);
    AtomicBoolean lateConnectionClosed = new AtomicBoolean();
    CompletableFuture<Object> caller =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return logins.open(
                    "n1",
                    () -> {
                      loginStarted.countDown();
                      try {
                        serverAnswers.await(); // a leader that froze mid-login
                      } catch (InterruptedException e) {
                        throw new SQLException(e);
                      }
                      return connection(lateConnectionClosed);
                    },
                    5);
              } catch (SQLException e) {
                return e;
              }
            });
    assertThat(loginStarted.await(5, TimeUnit.SECONDS)).isTrue();

    long start = System.nanoTime();
    assertThat(logins.cancel("n1", "n1 lost the leadership")).isEqualTo(1);
    Object outcome = caller.get(5, TimeUnit.SECONDS);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(outcome).isInstanceOf(SQLException.class);
    assertThat(((SQLException) outcome).getSQLState()).isEqualTo("08006");
    assertThat(waitedMs).isLessThan(1000);

    serverAnswers.countDown(); // the login completes after all: nobody may get that connection
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!lateConnectionClosed.get() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(lateConnectionClosed).isTrue();
  }

  @Test
  void loginsToOtherMembersAreNotCalledOff() throws Exception {
    Logins logins = new Logins();
    AtomicBoolean closed = new AtomicBoolean();
    assertThat(logins.cancel("n2", "n2 left")).isZero();
    Connection c = logins.open("n1", () -> connection(closed), 5);
    assertThat(c).isNotNull();
    assertThat(closed).isFalse();
  }

  @Test
  void theLoginsOwnErrorReachesTheCaller() {
    Logins logins = new Logins();
    assertThatThrownBy(
            () ->
                logins.open(
                    "n1",
                    () -> {
                      throw new SQLException("password authentication failed", "28P01");
                    },
                    5))
        .isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState())
        .isEqualTo("28P01");
  }
}
