package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.patronijdbc.internal.MonitorRegistry;

/** What happens after close, after idleness and on PatroniDriver.releaseAll(). */
class LifecycleTest {

  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    PatroniDriver.releaseAll(); // no idle sweeper left from another test, with another period
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            // the leader's PostgreSQL port is closed: every login fails at once with 08001
            return new MockResponse.Builder()
                .body(
                    "{\"scope\": \"life\", \"members\": [{\"name\": \"n1\", \"role\": \"leader\","
                        + " \"state\": \"running\", \"host\": \"127.0.0.1\", \"port\": 1}]}")
                .build();
          }
        });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void stop() {
    DriverConnectors.idleReleaseMs = DriverConnectors.DEFAULT_IDLE_RELEASE_MS;
    PatroniDriver.releaseAll();
    server.close();
  }

  private String url(String... params) {
    return "jdbc:patroni:postgresql://127.0.0.1:1/db?failoverTimeoutMs=300&discoverMembers=false"
        + "&patroniUrls=http://127.0.0.1:"
        + server.getPort()
        + (params.length == 0 ? "" : "&" + String.join("&", params));
  }

  @Test
  void aClosedDataSourceAnswers08003AtOnceAndSendsNothing() throws Exception {
    PatroniDataSource ds = new PatroniDataSource(url());
    assertThat(catchThrowable(ds::getConnection)).isInstanceOf(SQLException.class);
    ds.close();
    int requests = server.getRequestCount();

    long start = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      assertThatThrownBy(ds::getConnection)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
      assertThatThrownBy(() -> ds.readOnly().getConnection())
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
      assertThatThrownBy(() -> ds.getConnection("u", "p"))
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    Thread.sleep(300);

    assertThat(ms).isLessThan(500);
    assertThat(server.getRequestCount()).isEqualTo(requests);
  }

  @Test
  void aDataSourceClosedBeforeUseAnswers08003WithoutStartingAMonitor() {
    PatroniDataSource ds = new PatroniDataSource(url());
    ds.close();

    assertThatThrownBy(ds::getConnection)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void driverMonitorsStopWhenIdleAndStartAgainOnTheNextConnect() throws Exception {
    DriverConnectors.idleReleaseMs = 200;
    int before = MonitorRegistry.running();

    catchThrowable(() -> DriverManager.getConnection(url()));
    assertThat(PatroniDriver.activeConfigurations()).isEqualTo(1);
    assertThat(MonitorRegistry.running()).isEqualTo(before + 1);
    awaitNoDriverConfigurations();
    assertThat(MonitorRegistry.running()).isEqualTo(before);
    assertThat(monitorThreads()).isEmpty();
    int requests = server.getRequestCount();
    Thread.sleep(300);
    assertThat(server.getRequestCount()).isEqualTo(requests);

    catchThrowable(() -> DriverManager.getConnection(url()));
    assertThat(PatroniDriver.activeConfigurations()).isEqualTo(1);
    assertThat(server.getRequestCount()).isGreaterThan(requests);
    awaitNoDriverConfigurations();
  }

  @Test
  void releaseAllLeavesNoMonitorThreadBehind() {
    catchThrowable(() -> DriverManager.getConnection(url()));
    catchThrowable(() -> DriverManager.getConnection(url("targetServerType=replica")));
    catchThrowable(() -> DriverManager.getConnection(url("topologyRefreshMs=500")));
    assertThat(monitorThreads()).isNotEmpty();

    assertThat(PatroniDriver.releaseAll()).isEqualTo(3);

    assertThat(PatroniDriver.activeConfigurations()).isZero();
    assertThat(monitorThreads()).isEmpty();
    assertThat(threadsNamed("patroni-jdbc-driver-idle")).isEmpty();
  }

  @Test
  void rotatedPasswordsShareOneMonitor() {
    int before = MonitorRegistry.running();
    for (int i = 0; i < 5; i++) {
      String password = "pw" + i;
      catchThrowable(() -> DriverManager.getConnection(url(), "app", password));
    }

    assertThat(MonitorRegistry.running()).isEqualTo(before + 1);
    assertThat(monitorThreads()).hasSize(1);
  }

  @Test
  void monitorThreadsDoNotHoldTheApplicationsClassLoader() throws Exception {
    ClassLoader original = Thread.currentThread().getContextClassLoader();
    try (URLClassLoader webapp = new URLClassLoader(new URL[0], original)) {
      Thread.currentThread().setContextClassLoader(webapp);
      catchThrowable(() -> DriverManager.getConnection(url()));
      Thread.currentThread().setContextClassLoader(original);

      List<Thread> threads = monitorThreads();
      threads.addAll(threadsNamed("patroni-jdbc-driver-idle"));
      assertThat(threads).hasSizeGreaterThanOrEqualTo(2);
      for (Thread t : threads) {
        assertThat(t.getContextClassLoader()).as(t.getName()).isNotSameAs(webapp);
      }
    } finally {
      Thread.currentThread().setContextClassLoader(original);
    }
  }

  private static void awaitNoDriverConfigurations() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (PatroniDriver.activeConfigurations() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(PatroniDriver.activeConfigurations()).isZero();
    // the monitor's thread ends a moment after its executor is shut down
    while (!monitorThreads().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  private static List<Thread> monitorThreads() {
    return threadsNamed("patroni-jdbc-monitor-");
  }

  private static List<Thread> threadsNamed(String prefix) {
    return new java.util.ArrayList<>(
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
            .toList());
  }

  @Test
  void aConnectWaitingWhenItsDataSourceClosesEndsAt08003WithoutSpinning() throws Exception {
    PatroniDataSource ds =
        new PatroniDataSource(url().replace("failoverTimeoutMs=300", "failoverTimeoutMs=20000"));
    java.util.concurrent.CompletableFuture<Throwable> waiting =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> catchThrowable(ds::getConnection));
    Thread.sleep(500); // the connect now waits for a leader that takes logins
    long closed = System.nanoTime();
    ds.close();
    Throwable outcome = waiting.get(5, TimeUnit.SECONDS);

    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed)).isLessThan(3000);
    assertThat(outcome).isInstanceOf(SQLException.class);
    assertThat(((SQLException) outcome).getSQLState()).isEqualTo("08003");
  }
}
