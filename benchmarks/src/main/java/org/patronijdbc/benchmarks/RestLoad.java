package org.patronijdbc.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;

/**
 * The Patroni REST requests per second that one patroni-jdbc data source and one HAProxy (the
 * background documents' checks) make at steady state, counted by proxies in front of every member's
 * REST API. Each gets its own proxies, so the counts are its own. The data source is kept to the
 * proxies ({@code discoverMembers=false}); otherwise it would take turns with the members' own REST
 * addresses from {@code /cluster}, at the same rate.
 */
final class RestLoad {

  /**
   * @param method who made the requests
   * @param requestsPerSecond requests per second over the window
   * @param requests requests counted
   */
  record Row(String method, double requestsPerSecond, long requests) {}

  private RestLoad() {}

  static List<Row> run(PatroniCluster cluster, Settings settings, Path dir) throws Exception {
    List<Member> members = cluster.members();
    List<CountingProxy> forPatroni = new ArrayList<>();
    List<CountingProxy> forHaproxy = new ArrayList<>();
    try {
      for (Member m : members) {
        forPatroni.add(new CountingProxy(m.restPort()));
        forHaproxy.add(new CountingProxy(m.restPort()));
      }
      String url =
          cluster.multiHostJdbcUrl("postgres").replaceFirst("^jdbc:", "jdbc:patroni:")
              + "?discoverMembers=false&patroniUrls="
              + forPatroni.stream()
                  .map(p -> "http://127.0.0.1:" + p.port())
                  .collect(Collectors.joining(","));
      try (Methods methods = new Methods(cluster);
          Haproxy haproxy =
              Haproxy.start(
                  members, m -> forHaproxy.get(members.indexOf(m)).port(), dir.resolve("rest"))) {
        methods.patroniJdbc(url, 1, 1);
        Thread.sleep(settings.settle().toMillis()); // past the first discovery of either
        long patroniBefore = total(forPatroni);
        long haproxyBefore = total(forHaproxy);
        long from = System.nanoTime();
        Thread.sleep(settings.restWindow().toMillis());
        double seconds = (System.nanoTime() - from) / 1e9;
        long patroni = total(forPatroni) - patroniBefore;
        long checks = total(forHaproxy) - haproxyBefore;
        return List.of(
            new Row(Method.PATRONI, patroni / seconds, patroni),
            new Row(Method.HAPROXY, checks / seconds, checks));
      }
    } finally {
      for (CountingProxy p : forPatroni) {
        p.close();
      }
      for (CountingProxy p : forHaproxy) {
        p.close();
      }
    }
  }

  private static long total(List<CountingProxy> proxies) {
    return proxies.stream().mapToLong(CountingProxy::requests).sum();
  }
}
