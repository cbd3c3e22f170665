package org.patronijdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** 200 threads waiting for a fit member cost the cluster about ten requests a second, not more. */
class PoliteWaitingTest {

  private static final int THREADS = 200;
  private static final int WAIT_MS = 4000; // longer than the login sampler's 1.5 + 2 s

  private final MockWebServer server = new MockWebServer();

  @AfterEach
  void stop() {
    server.close();
  }

  private void serve(String members) throws IOException {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder()
                .body("{\"scope\": \"polite\", \"members\": [" + members + "]}")
                .build();
          }
        });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  private static String member(String name, String role, int port) {
    return "{\"name\": \""
        + name
        + "\", \"role\": \""
        + role
        + "\", \"state\": \"running\", \"host\": \"127.0.0.1\", \"port\": "
        + port
        + ", \"lag\": 0}";
  }

  @Test
  void waitingOnALeaderlessClusterSendsAboutTenRequestsASecond() throws Exception {
    serve(member("n2", "replica", 1) + "," + member("n3", "replica", 1));

    double perSecond = requestsPerSecondWhileWaiting();

    assertThat(perSecond).isLessThanOrEqualTo(11.0);
  }

  @Test
  void aLeaderThatRefusesLoginsGetsAboutTenLoginsASecond() throws Exception {
    AtomicInteger logins = new AtomicInteger();
    try (ServerSocket postgres = new ServerSocket(0, 1000, InetAddress.getByName("127.0.0.1"))) {
      Thread acceptor =
          new Thread(
              () -> {
                while (!postgres.isClosed()) {
                  try (Socket s = postgres.accept()) {
                    logins.incrementAndGet(); // and closed at once: pgjdbc sees 08006
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      serve(member("n1", "leader", postgres.getLocalPort()));
      url = "jdbc:patroni:postgresql://127.0.0.1:" + postgres.getLocalPort();

      AtomicInteger firstWave = new AtomicInteger(-1);
      AtomicInteger later = new AtomicInteger(-1);
      long[] window = new long[2];
      Thread sampler =
          new Thread(
              () -> {
                try {
                  Thread.sleep(1500);
                  window[0] = System.nanoTime();
                  firstWave.set(logins.get());
                  Thread.sleep(2000);
                  later.set(logins.get());
                  window[1] = System.nanoTime();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      sampler.start();
      double restPerSecond = requestsPerSecondWhileWaiting();
      sampler.join();
      // every thread's first login may start before the first failure is known; after that
      // the member gets one login per 100 ms (measured over 2 s: one permit more or less at the
      // window's edges does not decide it)
      double loginsPerSecond = (later.get() - firstWave.get()) / ((window[1] - window[0]) / 1e9);
      System.out.printf(
          "PoliteWaitingTest: %d logins in the first 1.5 s (each thread's first), %.1f/s over the"
              + " next 2 s, %d in all%n",
          firstWave.get(), loginsPerSecond, logins.get());

      assertThat(restPerSecond).isLessThanOrEqualTo(11.0);
      assertThat(loginsPerSecond).isLessThanOrEqualTo(11.0);
      assertThat(logins.get()).isGreaterThan(0);
    }
  }

  /** The URL's host: where the leader is (a URL names its members). */
  private String url = "jdbc:patroni:postgresql://127.0.0.1:1";

  /** Starts THREADS connects that each wait WAIT_MS, and counts the REST requests meanwhile. */
  private double requestsPerSecondWhileWaiting() throws Exception {
    String url =
        this.url
            + "/db?sslmode=disable&discoverMembers=false"
            + "&failoverTimeoutMs="
            + WAIT_MS
            + "&patroniUrls=http://127.0.0.1:"
            + server.getPort();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (PatroniDataSource ds = new PatroniDataSource(url)) {
      ds.topology(); // the monitor starts; its first reads are not the waiting threads' doing
      Thread.sleep(500);
      int before = server.getRequestCount();
      long start = System.nanoTime();
      List<Future<?>> waits = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        waits.add(
            pool.submit(
                () -> {
                  try {
                    ds.getConnection().close();
                  } catch (SQLException expected) {
                    // 08001 after failoverTimeoutMs
                  }
                  return null;
                }));
      }
      for (Future<?> wait : waits) {
        wait.get(WAIT_MS + 10_000, TimeUnit.MILLISECONDS);
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      int requests = server.getRequestCount() - before;
      double perSecond = requests * 1000.0 / ms;
      System.out.printf(
          "PoliteWaitingTest: %d threads, %d GET /cluster in %d ms: %.1f/s%n",
          THREADS, requests, ms, perSecond);
      return perSecond;
    } finally {
      pool.shutdownNow();
    }
  }
}
