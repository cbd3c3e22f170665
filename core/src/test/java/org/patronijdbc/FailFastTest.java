package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetAddress;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.patronijdbc.testing.RefusingPostgres;

/** Which login failures are retried and which fail at once, against a refusing server. */
class FailFastTest {

  private final MockWebServer rest = new MockWebServer();

  @AfterEach
  void stop() {
    rest.close();
    PatroniDriver.releaseAll();
  }

  private String leaderAt(int pgPort) throws Exception {
    rest.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder()
                .body(
                    "{\"scope\": \"ff\", \"members\": [{\"name\": \"n1\", \"role\": \"leader\","
                        + " \"state\": \"running\", \"host\": \"127.0.0.1\", \"port\": "
                        + pgPort
                        + "}]}")
                .build();
          }
        });
    rest.start(InetAddress.getByName("127.0.0.1"), 0);
    return "patroniUrls=http://127.0.0.1:" + rest.getPort();
  }

  private static String url(int pgPort, String rest, String timeout) {
    return "jdbc:patroni:postgresql://127.0.0.1:"
        + pgPort
        + "/db?sslmode=disable&gssEncMode=disable&discoverMembers=false&failoverTimeoutMs="
        + timeout
        + "&"
        + rest;
  }

  @Test
  void aWrongPasswordFailsAtOnceAfterOneLogin() throws Exception {
    try (RefusingPostgres pg = new RefusingPostgres("28P01")) {
      String url = url(pg.port(), leaderAt(pg.port()), "30000");

      long start = System.nanoTime();
      Throwable e = catchThrowable(() -> DriverManager.getConnection(url, "app", "wrong"));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      assertThat(e).isInstanceOf(SQLException.class).hasMessageContaining("n1");
      assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01");
      assertThat(ms).isLessThan(1000);
      assertThat(pg.logins()).isEqualTo(1);
    }
  }

  @Test
  void aMissingDatabaseFailsAtOnceEvenWhileNoRestApiAnswers() throws Exception {
    try (RefusingPostgres pg = new RefusingPostgres("3D000")) {
      // nothing listens on port 1: the hosts are probed directly
      String url = url(pg.port(), "patroniUrls=http://127.0.0.1:1", "30000");

      long start = System.nanoTime();
      Throwable e = catchThrowable(() -> DriverManager.getConnection(url, "app", "pw"));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      assertThat(e).isInstanceOf(SQLException.class);
      assertThat(((SQLException) e).getSQLState()).isEqualTo("3D000");
      assertThat(ms).isLessThan(3000);
      assertThat(pg.logins()).isEqualTo(1);
    }
  }

  @Test
  void aServerStartingUpIsRetriedUntilFailoverTimeoutMs() throws Exception {
    try (RefusingPostgres pg = new RefusingPostgres("57P03")) {
      String url = url(pg.port(), leaderAt(pg.port()), "1500");

      long start = System.nanoTime();
      Throwable e = catchThrowable(() -> DriverManager.getConnection(url, "app", "pw"));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      assertThat(((SQLException) e).getSQLState()).isEqualTo("08001");
      assertThat(ms).isGreaterThanOrEqualTo(1400);
      assertThat(pg.logins()).isBetween(2, 20);
    }
  }
}
