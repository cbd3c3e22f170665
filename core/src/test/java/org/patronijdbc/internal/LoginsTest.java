package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Logins run on the caller's thread, bounded by the connect's deadline; a login to a member that
 * lost its role is called off at once; a local set-up that cannot work fails at once. The member
 * here is a hung host: it accepts TCP connections and never answers.
 */
class LoginsTest {

  private final ServerSocket hung;
  private final List<Socket> accepted = new CopyOnWriteArrayList<>();
  private final CountDownLatch firstAccepted = new CountDownLatch(1);

  LoginsTest() throws IOException {
    hung = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    Thread acceptor =
        new Thread(
            () -> {
              while (!hung.isClosed()) {
                try {
                  accepted.add(hung.accept());
                  firstAccepted.countDown();
                } catch (IOException e) {
                  return;
                }
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void stop() throws IOException {
    hung.close();
    for (Socket s : accepted) {
      s.close();
    }
  }

  private String address() {
    return "127.0.0.1:" + hung.getLocalPort();
  }

  private static Properties props() {
    Properties p = new Properties();
    p.setProperty("user", "app");
    p.setProperty("sslmode", "disable");
    return p;
  }

  /** Runs a login on another thread; the outcome, and whether that thread was left interrupted. */
  private CompletableFuture<Object[]> login(Logins logins, long deadlineMs) {
    return CompletableFuture.supplyAsync(
        () -> {
          Object outcome;
          try {
            outcome = logins.open("n1", address(), "db", props(), Deadline.afterMillis(deadlineMs));
          } catch (SQLException e) {
            outcome = e;
          }
          return new Object[] {outcome, Thread.currentThread().isInterrupted()};
        });
  }

  @Test
  void aLoginCalledOffFreesItsCallerAtOnceAndLeavesItUninterrupted() throws Exception {
    Logins logins = new Logins();
    CompletableFuture<Object[]> caller = login(logins, 20_000);
    assertThat(firstAccepted.await(5, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(200); // pgjdbc now waits for the server's answer

    long start = System.nanoTime();
    assertThat(logins.cancel("n2", "n2 left")).isZero(); // another member's: not this one
    assertThat(logins.cancel("n1", "n1 lost the leadership")).isEqualTo(1);
    Object[] result = caller.get(5, TimeUnit.SECONDS);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(result[0]).isInstanceOf(SQLException.class);
    SQLException e = (SQLException) result[0];
    assertThat(e.getSQLState()).isEqualTo("08001");
    assertThat(e.getMessage()).contains("called off").contains("n1 lost the leadership");
    assertThat(result[1]).as("the caller's interrupt flag").isEqualTo(false);
    assertThat(waitedMs).isLessThan(1000);
  }

  @Test
  void aLoginIsBoundedByWhatIsLeftOfTheDeadline() throws Exception {
    long start = System.nanoTime();
    Object[] result = login(new Logins(), 800).get(10, TimeUnit.SECONDS);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(result[0]).isInstanceOf(SQLException.class);
    assertThat(((SQLException) result[0]).getSQLState()).startsWith("08");
    assertThat(tookMs).isBetween(600L, 3000L); // not the 5 s default login timeout
  }

  @Test
  void noLoginStartsWhenNoTimeIsLeft() throws Exception {
    Object[] result = login(new Logins(), 0).get(5, TimeUnit.SECONDS);

    assertThat(((SQLException) result[0]).getSQLState()).isEqualTo("08001");
    assertThat(accepted.size()).isZero();
  }

  @Test
  void aLocalAddressThatCannotBeBoundFailsAtOnceAsAConfigurationError() {
    Properties p = props();
    p.setProperty("localSocketAddress", "192.0.2.1"); // TEST-NET-1: not this host's; no packet
    long start = System.nanoTime();
    SQLException e = null;
    try {
      new Logins().open("n1", address(), "db", p, Deadline.afterMillis(20_000));
    } catch (SQLException thrown) {
      e = thrown;
    }
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat((Throwable) e).isNotNull();
    assertThat(e.getSQLState()).isEqualTo("22023");
    assertThat(e.getMessage()).contains("localSocketAddress");
    assertThat((Throwable) e.getCause()).isInstanceOf(SQLException.class); // pgjdbc's, kept
    assertThat(SqlState.isRetryableLogin(e)).isFalse();
    assertThat(tookMs).isLessThan(3000);
  }
}
