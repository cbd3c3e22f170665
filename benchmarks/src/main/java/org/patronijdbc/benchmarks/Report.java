package org.patronijdbc.benchmarks;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The markdown of one run: the targets first, then every figure per method. */
final class Report {

  private final Benchmark.Results results;
  private final StringBuilder md = new StringBuilder();

  private Report(Benchmark.Results results) {
    this.results = results;
  }

  static String markdown(Benchmark.Results results) {
    return new Report(results).write();
  }

  /**
   * The header and the failover scenarios of a run that ran only those, and its REST load and fleet
   * size when it measured them.
   */
  static String failoverMarkdown(Benchmark.Results results) {
    Report report = new Report(results);
    report.header();
    report.failover();
    if (results.fleet() != null && !results.rest().isEmpty()) {
      report.rest();
    }
    return report.md.toString();
  }

  private String write() {
    header();
    targets();
    failover();
    readYourWrites();
    cost();
    steady();
    overhead();
    rest();
    return md.toString();
  }

  private void header() {
    Settings s = results.settings();
    line("# Benchmark results");
    line("");
    line(
        "Run on %s on %s. One testkit cluster of 3 members (ttl %d s, loop_wait %d s) with"
            + " HAProxy on 127.0.0.1.",
        results.date(), results.machine(), Benchmark.TTL_SECONDS, Benchmark.LOOP_WAIT_SECONDS);
    line("");
    line(
        "Each failover scenario runs %d time(s); every figure is the median over those runs. In"
            + " each run every method has %d writers and %d readers (10 ms pause between"
            + " operations, a checkout per operation) at the same time during the same event."
            + " Pools hold %d (writes) and %d (reads) connections; everything else is at its"
            + " default.",
        s.repetitions(), s.writers(), s.readers(), s.writers(), s.readers());
    line("");
    line(
        "Each event is watched from %d ms before it until %d s after it (a freeze: after the"
            + " thaw). The methods:",
        s.settle().toMillis() / 2, s.window().toSeconds());
    line(
        "- %s: `PatroniHikariDataSource` for writes, its `readOnly()` for reads,"
            + " `maxReplicationLag=10MB`.",
        Method.PATRONI);
    line(
        "- %s: `targetServerType=primary` for writes; `targetServerType=preferSecondary` and"
            + " `loadBalanceHosts=true` for reads.",
        Method.MULTI_HOST);
    line(
        "- %s: Debian's HAProxy with the background documents' configuration: a write listener"
            + " checking `/primary`, a read listener checking `/replica?lag=10MB` with the `nbsrv(...) eq 0`"
            + " fallback to the leader, `inter 3s fall 3 rise 2 on-marked-down shutdown-sessions`.",
        Method.HAPROXY);
    line(
        "- %s: pgjdbc's `PGSimpleDataSource` on the multi-host URL, a new connection per"
            + " operation with `hostRecheckSeconds=0` (every node's role checked each time) and"
            + " 2 s connect and socket timeouts (so a hung node is skipped after 2 s).",
        Method.ORACLE);
  }

  private void targets() {
    line("");
    line("## Targets");
    line("");
    line("| figure | target | patroni-jdbc | verdict |");
    line("|---|---|---|---|");
    Figures switchover = median(Scenario.SWITCHOVER, Method.PATRONI);
    long oracle = median(Scenario.SWITCHOVER, Method.ORACLE).writeOutageMs();
    long multiHost = median(Scenario.SWITCHOVER, Method.MULTI_HOST).writeOutageMs();
    target(
        "switchover write outage",
        "≤ oracle + 150 ms ("
            + (oracle + 150)
            + " ms) and ≤ pgjdbc multi-host ("
            + multiHost
            + " ms)",
        switchover.writeOutageMs() + " ms",
        switchover.writeOutageMs() <= oracle + 150 && switchover.writeOutageMs() <= multiHost);
    long misrouted =
        results.failover().values().stream()
            .flatMap(m -> m.getOrDefault(Method.PATRONI, List.of()).stream())
            .mapToLong(Figures::misroutedWrites)
            .max()
            .orElse(0);
    target(
        "misrouted writes, any scenario, any run",
        "0",
        misrouted + " (the most in one run)",
        misrouted == 0);
    long lost =
        results.failover().get(Scenario.SWITCHOVER).get(Method.PATRONI).stream()
            .mapToLong(Figures::lostWrites)
            .max()
            .orElse(0);
    target("acknowledged writes lost in a switchover, any run", "0", lost + "", lost == 0);
    long limit = (Benchmark.TTL_SECONDS + 2) * 1000L;
    for (Scenario sc : List.of(Scenario.LEADER_FREEZE, Scenario.LEADER_CRASH)) {
      long outage = median(sc, Method.PATRONI).writeOutageMs();
      target(
          sc.id + " write outage",
          "≤ ttl + 2 s (" + limit + " ms)",
          outage + " ms",
          outage <= limit);
    }
    Figures lag = median(Scenario.REPLICA_LAG, Method.PATRONI);
    long lagBound = 3000;
    target(
        "lagging replica: last read past the limit",
        "≤ loop_wait + 2 × topologyRefreshMs (" + lagBound + " ms) after it fell behind",
        lag.pastLagLimitForMs() + " ms (" + lag.readsPastLagLimit() + " reads)",
        lag.pastLagLimitForMs() <= lagBound);
    Figures cut = median(Scenario.REPLICA_LAG_REST_CUT, Benchmark.PATRONI_REST_CUT);
    long cutBound = 6000;
    target(
        "lagging replica, REST API cut: last read past the limit",
        "≤ the 5 s a topology may age + 1 s (" + cutBound + " ms)",
        cut.pastLagLimitForMs() + " ms (" + cut.readsPastLagLimit() + " reads)",
        cut.pastLagLimitForMs() <= cutBound);
    long failedReads = median(Scenario.REPLICA_CRASH, Method.PATRONI).failedReads();
    target(
        "replica crash: failed reads",
        "no more than those in flight on it (≤ " + results.settings().readers() + " readers)",
        failedReads + "",
        failedReads <= results.settings().readers());
    long readOutage = median(Scenario.LAST_REPLICA_DOWN, Method.PATRONI).readOutageMs();
    target(
        "last replica down: read outage",
        "reads back within 1 s (on the leader)",
        readOutage + " ms",
        readOutage <= 1000);
    for (SteadyState.Operation op : SteadyState.Operation.values()) {
      double direct = steady(Method.PATRONI, op).ratioToDirect();
      double haproxy = direct / steady(Method.HAPROXY, op).ratioToDirect();
      target(
          "steady state, " + op.description,
          "≥ 0.97 × direct Hikari + pgjdbc, ≥ 2 × HAProxy",
          format(
              "%.2f × direct, %.2f × HAProxy (A/A control: %.2f × direct)",
              direct, haproxy, steady(Method.CONTROL, op).ratioToDirect()),
          direct >= 0.97 && haproxy >= 2);
    }
    double perSecond =
        results.rest().stream()
            .filter(r -> r.method().equals(Method.PATRONI))
            .mapToDouble(RestLoad.Row::requestsPerSecond)
            .findFirst()
            .orElse(Double.NaN);
    target(
        "REST load",
        "≤ 1 request per topologyRefreshMs (1 s) per cluster per JVM",
        format("%.2f requests/s", perSecond),
        perSecond <= 1.0);
  }

  private void target(String figure, String target, String measured, boolean met) {
    line("| %s | %s | %s | %s |", figure, target, measured, met ? "met" : "**missed**");
  }

  private void failover() {
    for (Scenario sc : results.failover().keySet()) {
      line("");
      line("## %s: %s", sc.id, sc.description);
      line("");
      if (sc.lag) {
        line(
            "| method | reads past the lag limit | last one after it fell behind | read outage |"
                + " failed reads | write outage |");
        line("|---|---|---|---|---|---|");
      } else {
        line(
            "| method | write outage | failed writes | misrouted writes (25006) | acknowledged"
                + " writes lost | read outage | failed reads | reads on the leader while a replica"
                + " was fit |");
        line("|---|---|---|---|---|---|---|---|");
      }
      results
          .failover()
          .get(sc)
          .forEach(
              (method, samples) -> {
                Figures f = Figures.median(samples);
                if (sc.lag) {
                  line(
                      "| %s | %d | %s | %d ms | %d | %d ms |",
                      method,
                      f.readsPastLagLimit(),
                      f.readsPastLagLimit() == 0 ? "–" : f.pastLagLimitForMs() + " ms",
                      f.readOutageMs(),
                      f.failedReads(),
                      f.writeOutageMs());
                } else {
                  line(
                      "| %s | %d ms | %d | %d | %d | %d ms | %d | %.1f %% |",
                      method,
                      f.writeOutageMs(),
                      f.failedWrites(),
                      f.misroutedWrites(),
                      f.lostWrites(),
                      f.readOutageMs(),
                      f.failedReads(),
                      f.leaderReadPercent());
                }
              });
      line("");
      if (sc.lag) {
        line(
            "Reads past the limit are those the lagging replica answered after it was more than"
                + " 10 MB behind the leader (checked after every 1 MB written); one run.%s",
            sc == Scenario.REPLICA_LAG_REST_CUT
                ? " The REST API is cut for "
                    + Benchmark.PATRONI_REST_CUT
                    + " only (its requests"
                    + " go through proxies that close every connection); HAProxy, on a host of its"
                    + " own, still reaches Patroni."
                : "");
      } else {
        line(
            "Write outages per run: %s.",
            results.failover().get(sc).entrySet().stream()
                .map(
                    e ->
                        e.getKey()
                            + " "
                            + e.getValue().stream()
                                .map(f -> f.writeOutageMs() + "")
                                .collect(Collectors.joining("/"))
                            + " ms")
                .collect(Collectors.joining("; ")));
      }
      if (Scenario.PARTITIONS.contains(sc)) {
        line("");
        line(
            "The isolated member is healed after %d s; acknowledged writes are looked for on the"
                + " leader once the cluster is healthy again (the isolated member rewound or"
                + " reinitialized). Each method writes through the ports the containers publish on"
                + " 127.0.0.1, which the isolation leaves open, as an application outside the"
                + " partition would.",
            results.settings().window().multipliedBy(3).toSeconds());
      }
      if (sc.failsOver()) {
        List<Long> gaps = results.patroniGapMs().get(sc);
        long gap = (long) Figures.median(gaps, Long::doubleValue);
        line("");
        line(
            "Patroni's own gap (no member took a write, probed on every member every 5 ms over a"
                + " direct connection%s): %d ms (runs: %s). Each method's write outage beyond it,"
                + " what a client can still win: %s.",
            sc == Scenario.LEADER_ISOLATED_ASYNC
                ? "; like the methods' outages it counts the writes the isolated leader"
                    + " acknowledged before Patroni demoted it, which were then lost"
                : "",
            gap,
            gaps.stream().map(String::valueOf).collect(Collectors.joining("/")),
            results.failover().get(sc).entrySet().stream()
                .map(
                    e ->
                        format(
                            "%s %+d ms",
                            e.getKey(), Figures.median(e.getValue()).writeOutageMs() - gap))
                .collect(Collectors.joining("; ")));
      }
      line("");
      line("![%s](%s.png)", sc.id, sc.id);
    }
  }

  private void readYourWrites() {
    line("");
    line("## Reading one's own write");
    line("");
    line(
        "Each method alone, %d s per thread count: every thread inserts a row through the write"
            + " side and reads it through the read side straight after the commit (a checkout"
            + " each). Stale: the read did not find the row. Latency is the read's, checkout to"
            + " close. Pools of %d and %d.",
        results.settings().rywSlice().toSeconds(),
        results.settings().writers(),
        results.settings().readers());
    line("");
    line("| method | threads | reads | stale | on a replica | p50 | p99 | failed |");
    line("|---|---|---|---|---|---|---|---|");
    for (ReadYourWrites.Row r : results.readYourWrites()) {
      line(
          "| %s | %d | %d | %.2f %% | %.1f %% | %.0f µs | %.0f µs | %d |",
          r.method(),
          r.threads(),
          r.reads(),
          r.stalePercent(),
          r.replicaPercent(),
          r.p50Micros(),
          r.p99Micros(),
          r.failed());
    }
  }

  private void cost() {
    line("");
    line("## Cost to the servers");
    line("");
    line(
        "Each method alone with every pool at `maximumPoolSize=%d` (patroni-jdbc: %d for writes"
            + " and a read budget of %d), on the cluster's leader and 2 replicas. Sessions: client"
            + " sessions on all members while %d writers and %d readers keep the pools busy."
            + " Transactions: server transactions (`pg_stat_database`, all members, the"
            + " background taken out) per read transaction run as Spring runs a read-only one.",
        Cost.POOL_SIZE, Cost.POOL_SIZE, Cost.POOL_SIZE, Cost.POOL_SIZE, Cost.POOL_SIZE);
    line("");
    line("| method | server sessions | server transactions per read transaction |");
    line("|---|---|---|");
    for (Cost.Row r : results.cost()) {
      line("| %s | %d | %.2f |", r.method(), r.sessions(), r.transactionsPerRead());
    }
  }

  private void steady() {
    line("");
    line("## Steady state");
    line("");
    line(
        "%d threads per method, %d rounds of %d ms per method and operation, the order of the"
            + " methods rotating each round; medians over the rounds. Ratios are to Hikari + pgjdbc"
            + " connected straight to the leader (writes), or to the replicas in turn with a pool"
            + " each (reads: patroni-jdbc and multi-host spread reads too, and on this machine two"
            + " PostgreSQL instances serve less than one), in the same round."
            + " The A/A control is a second, identical direct method: its distance from 1.00 is"
            + " what chance alone does to a ratio here.",
        results.settings().writers(),
        results.settings().steadyRounds(),
        results.settings().steadySlice().toMillis());
    line("");
    line("| method | operation | operations/s | × direct | failed |");
    line("|---|---|---|---|---|");
    for (SteadyState.Row r : results.steady()) {
      line(
          "| %s | %s | %.0f | %.2f | %d |",
          r.method(), r.operation().description, r.opsPerSecond(), r.ratioToDirect(), r.errors());
    }
  }

  private void overhead() {
    line("");
    line("## Overhead (JMH)");
    line("");
    line(
        "One thread, %d fork(s), %d warm-up and %d measured iterations of %d ms, against the"
            + " leader. `checkout` is `getConnection()` + `close()`; `readCheckout` the same on"
            + " the read side (`readOnly()`; for plain Hikari a pool on a replica); `statement` is"
            + " a `SELECT 1` on a connection already checked out.",
        results.settings().jmhForks(),
        results.settings().jmhIterations(),
        results.settings().jmhIterations(),
        results.settings().jmhTime().toMillis());
    line("");
    line(
        "| benchmark | %s | %s | overhead | %s | overhead |",
        OverheadBenchmark.PLAIN, Method.PATRONI, OverheadBenchmark.READ_YOUR_WRITES);
    line("|---|---|---|---|---|---|");
    Map<String, Map<String, OverheadBenchmark.Row>> byBenchmark =
        results.overhead().stream()
            .collect(
                Collectors.groupingBy(
                    OverheadBenchmark.Row::benchmark,
                    java.util.TreeMap::new,
                    Collectors.toMap(OverheadBenchmark.Row::method, r -> r)));
    byBenchmark.forEach(
        (benchmark, rows) -> {
          OverheadBenchmark.Row plain = rows.get(OverheadBenchmark.PLAIN);
          OverheadBenchmark.Row patroni = rows.get(Method.PATRONI);
          OverheadBenchmark.Row ryw = rows.get(OverheadBenchmark.READ_YOUR_WRITES);
          line(
              "| %s | %s | %s | %+.2f µs | %s | %+.2f µs |",
              benchmark,
              score(plain),
              score(patroni),
              patroni.microseconds() - plain.microseconds(),
              score(ryw),
              ryw.microseconds() - plain.microseconds());
        });
  }

  private static String score(OverheadBenchmark.Row r) {
    return Double.isNaN(r.error())
        ? format("%.2f µs", r.microseconds())
        : format("%.2f ± %.2f µs", r.microseconds(), r.error());
  }

  private void rest() {
    line("");
    line("## REST load and fleet size");
    line("");
    line(
        "Requests to Patroni's REST APIs, counted by a proxy in front of each API: over %d s at"
            + " steady state, and for patroni-jdbc from a switchover request until %d s after the"
            + " new leader took writes (one writer and one reader running). pgjdbc multi-host"
            + " makes none.",
        results.settings().restWindow().toSeconds(), RestLoad.SWITCHOVER_TAIL.toSeconds());
    line("");
    line("| method | requests/s, all members | to the busiest member | requests |");
    line("|---|---|---|---|");
    for (RestLoad.Row r : results.rest()) {
      line(
          "| %s | %.2f | %.2f | %d |",
          r.method(), r.requestsPerSecond(), r.busiestMemberPerSecond(), r.requests());
    }
    Fleet.Result f = results.fleet();
    line("");
    line(
        "One member answered %.0f `GET /cluster` per second asked by %d clients at once (%d"
            + " failed). Divided by what one JVM asks of its busiest member, one cluster's REST"
            + " API serves about %s application instances (one patroni-jdbc monitor each) at"
            + " steady state, %s while all of them go through a switchover at once; Patroni's"
            + " own loop shares the same process, so stay well below. A simulated fleet of %d"
            + " data sources with monitors of their own in one JVM made %.1f requests/s"
            + " (%d × the single data source's rate: %.1f).",
        f.clusterGetsPerSecond(),
        Fleet.THREADS,
        f.failedGets(),
        instances(f, Method.PATRONI),
        instances(f, RestLoad.DURING_SWITCHOVER),
        f.sources(),
        f.fleetPerSecond(),
        f.sources(),
        f.sources() * rest(Method.PATRONI).requestsPerSecond());
  }

  private String instances(Fleet.Result f, String method) {
    double perInstance = rest(method).busiestMemberPerSecond();
    return perInstance <= 0 ? "–" : format("%.0f", f.clusterGetsPerSecond() / perInstance);
  }

  private RestLoad.Row rest(String method) {
    return results.rest().stream().filter(r -> r.method().equals(method)).findFirst().orElseThrow();
  }

  private Figures median(Scenario scenario, String method) {
    return Figures.median(results.failover().get(scenario).get(method));
  }

  private SteadyState.Row steady(String method, SteadyState.Operation op) {
    return results.steady().stream()
        .filter(r -> r.method().equals(method) && r.operation() == op)
        .findFirst()
        .orElseThrow();
  }

  private void line(String format, Object... args) {
    md.append(format(format, args)).append('\n');
  }

  private static String format(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
