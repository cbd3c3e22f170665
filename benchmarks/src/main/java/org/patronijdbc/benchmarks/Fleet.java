package org.patronijdbc.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.patronijdbc.PatroniDataSource;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;

/**
 * How many application instances one cluster's REST API serves: how many {@code GET /cluster} per
 * second one Patroni member answers when asked as fast as it can, and a simulated fleet (many data
 * sources with monitors of their own in this JVM, through counting proxies) to check that the
 * requests add up as the arithmetic says.
 */
final class Fleet {

  /** Threads asking one member for {@code /cluster} at once. */
  static final int THREADS = 8;

  /**
   * What was measured.
   *
   * @param clusterGetsPerSecond {@code GET /cluster} answered per second by one member
   * @param failedGets requests that failed or did not answer 200
   * @param sources data sources in the simulated fleet
   * @param fleetPerSecond requests per second the simulated fleet made, all members together
   */
  record Result(double clusterGetsPerSecond, long failedGets, int sources, double fleetPerSecond) {}

  private Fleet() {}

  static Result run(PatroniCluster cluster, Settings settings, int sources) throws Exception {
    Member member = cluster.replicas().get(0);
    long[] answered = capacity(member, settings.restWindow());
    double perSecond = answered[0] / (settings.restWindow().toMillis() / 1000.0);
    return new Result(perSecond, answered[1], sources, fleet(cluster, settings, sources));
  }

  /** {@code {answered, failed}} in {@code window}, {@link #THREADS} clients at once. */
  private static long[] capacity(Member member, Duration window) throws InterruptedException {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://" + member.host() + ":" + member.restPort() + "/cluster"))
            .timeout(Duration.ofSeconds(5))
            .build();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      Thread t =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    int status =
                        client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    (status == 200 ? ok : failed).incrementAndGet();
                  } catch (Exception e) {
                    failed.incrementAndGet();
                  }
                }
              },
              "fleet-capacity-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    Thread.sleep(window.toMillis());
    long answered = ok.get();
    running.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
    return new long[] {answered, failed.get()};
  }

  /**
   * Requests per second of {@code sources} data sources, each with a monitor of its own (a distinct
   * {@code patroniTimeoutMs} makes a distinct monitor), through counting proxies.
   */
  private static double fleet(PatroniCluster cluster, Settings settings, int sources)
      throws Exception {
    List<CountingProxy> proxies = new ArrayList<>();
    List<PatroniDataSource> fleet = new ArrayList<>();
    try {
      for (Member m : cluster.members()) {
        proxies.add(new CountingProxy(m.restPort()));
      }
      String urls =
          String.join(",", proxies.stream().map(p -> "http://127.0.0.1:" + p.port()).toList());
      for (int i = 0; i < sources; i++) {
        PatroniDataSource ds =
            new PatroniDataSource(
                cluster.jdbcUrl(
                    "postgres",
                    "discoverMembers=false",
                    "patroniUrls=" + urls,
                    "patroniTimeoutMs=" + (2000 + i)));
        fleet.add(ds);
        ds.setUser(PatroniCluster.SUPERUSER);
        ds.setPassword(PatroniCluster.PASSWORD);
        ds.getConnection().close(); // its monitor runs from the first connection on
      }
      Thread.sleep(settings.settle().toMillis());
      long before = total(proxies);
      long from = System.nanoTime();
      Thread.sleep(settings.restWindow().toMillis());
      return (total(proxies) - before) / ((System.nanoTime() - from) / 1e9);
    } finally {
      for (PatroniDataSource ds : fleet) {
        ds.close();
      }
      for (CountingProxy p : proxies) {
        p.close();
      }
    }
  }

  private static long total(List<CountingProxy> proxies) {
    return proxies.stream().mapToLong(CountingProxy::requests).sum();
  }
}
