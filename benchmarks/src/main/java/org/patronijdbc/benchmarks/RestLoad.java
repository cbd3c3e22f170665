package org.patronijdbc.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;

/**
 * The Patroni REST requests per second that one patroni-jdbc data source and one HAProxy (the
 * background documents' checks) make at steady state, and the data source during a switchover (from
 * the request until {@link #SWITCHOVER_TAIL} after the new leader took writes), counted by proxies
 * in front of every member's REST API. Each gets its own proxies, so the counts are its own. The
 * data source is kept to the proxies ({@code discoverMembers=false}); otherwise it would take turns
 * with the members' own REST addresses from {@code /cluster}, at the same rate.
 */
final class RestLoad {

  /**
   * @param method who made the requests, and when
   * @param requestsPerSecond requests per second over the window, to all members
   * @param requests requests counted
   * @param busiestMemberPerSecond requests per second to the member that got the most
   */
  record Row(
      String method, double requestsPerSecond, long requests, double busiestMemberPerSecond) {}

  static final String DURING_SWITCHOVER = Method.PATRONI + ", during a switchover";

  /** Counted past the switchover's end: the data source polls fast for a moment after it. */
  static final Duration SWITCHOVER_TAIL = Duration.ofSeconds(1);

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
      try (Methods methods = new Methods(cluster);
          Haproxy haproxy =
              Haproxy.start(
                  members, m -> forHaproxy.get(members.indexOf(m)).port(), dir.resolve("rest"))) {
        Method method = methods.patroniJdbcThrough(Method.PATRONI, forPatroni, 1, 1);
        Thread.sleep(settings.settle().toMillis()); // past the first discovery of either
        long[] patroniBefore = counts(forPatroni);
        long[] haproxyBefore = counts(forHaproxy);
        long from = System.nanoTime();
        Thread.sleep(settings.restWindow().toMillis());
        double seconds = (System.nanoTime() - from) / 1e9;
        Row patroni = row(Method.PATRONI, patroniBefore, counts(forPatroni), seconds);
        Row checks = row(Method.HAPROXY, haproxyBefore, counts(forHaproxy), seconds);
        // a writer and a reader, so the data source sees the failover as an application would
        Row failover;
        try (Load load = new Load(method, 1, 1)) {
          Thread.sleep(1000);
          long[] before = counts(forPatroni);
          long at = System.nanoTime();
          cluster.switchover(cluster.replicas().get(0));
          Thread.sleep(SWITCHOVER_TAIL.toMillis());
          failover =
              row(DURING_SWITCHOVER, before, counts(forPatroni), (System.nanoTime() - at) / 1e9);
        }
        return List.of(patroni, checks, failover);
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

  private static long[] counts(List<CountingProxy> proxies) {
    return proxies.stream().mapToLong(CountingProxy::requests).toArray();
  }

  private static Row row(String method, long[] before, long[] after, double seconds) {
    long total = 0;
    long busiest = 0;
    for (int i = 0; i < before.length; i++) {
      total += after[i] - before[i];
      busiest = Math.max(busiest, after[i] - before[i]);
    }
    return new Row(method, total / seconds, total, busiest / seconds);
  }
}
