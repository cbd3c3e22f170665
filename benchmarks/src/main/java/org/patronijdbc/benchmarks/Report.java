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

  private String write() {
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
    line("- %s: `PatroniHikariDataSource` for writes, its `readOnly()` for reads.", Method.PATRONI);
    line(
        "- %s: `targetServerType=primary` for writes; `targetServerType=preferSecondary` and"
            + " `loadBalanceHosts=true` for reads.",
        Method.MULTI_HOST);
    line(
        "- %s: Debian's HAProxy with the background documents' configuration: a write listener"
            + " checking `/primary`, a read listener checking `/replica` with the `nbsrv(...) eq 0`"
            + " fallback to the leader, `inter 3s fall 3 rise 2 on-marked-down shutdown-sessions`.",
        Method.HAPROXY);
    line(
        "- %s: pgjdbc's `PGSimpleDataSource` on the multi-host URL, a new connection per"
            + " operation with `hostRecheckSeconds=0` (every node's role checked each time) and"
            + " 2 s connect and socket timeouts (so a hung node is skipped after 2 s).",
        Method.ORACLE);
    targets();
    failover();
    steady();
    overhead();
    rest();
    return md.toString();
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
            .flatMap(m -> m.get(Method.PATRONI).stream())
            .mapToLong(Figures::misroutedWrites)
            .max()
            .orElse(0);
    target(
        "misrouted writes, any scenario, any run",
        "0",
        misrouted + " (the most in one run)",
        misrouted == 0);
    long limit = (Benchmark.TTL_SECONDS + 2) * 1000L;
    for (Scenario sc : List.of(Scenario.LEADER_FREEZE, Scenario.LEADER_CRASH)) {
      long outage = median(sc, Method.PATRONI).writeOutageMs();
      target(
          sc.id + " write outage",
          "≤ ttl + 2 s (" + limit + " ms)",
          outage + " ms",
          outage <= limit);
    }
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
    for (Scenario sc : Scenario.values()) {
      line("");
      line("## %s: %s", sc.id, sc.description);
      line("");
      line(
          "| method | write outage | failed writes | misrouted writes (25006) | read outage |"
              + " failed reads | reads on the leader while a replica was fit |");
      line("|---|---|---|---|---|---|---|");
      results
          .failover()
          .get(sc)
          .forEach(
              (method, samples) -> {
                Figures f = Figures.median(samples);
                line(
                    "| %s | %d ms | %d | %d | %d ms | %d | %.1f %% |",
                    method,
                    f.writeOutageMs(),
                    f.failedWrites(),
                    f.misroutedWrites(),
                    f.readOutageMs(),
                    f.failedReads(),
                    f.leaderReadPercent());
              });
      line("");
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
      line("");
      line("![%s](%s.png)", sc.id, sc.id);
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
            + " leader. `checkout` is `getConnection()` + `close()`; `statement` is a `SELECT 1`"
            + " on a connection already checked out.",
        results.settings().jmhForks(),
        results.settings().jmhIterations(),
        results.settings().jmhIterations(),
        results.settings().jmhTime().toMillis());
    line("");
    line("| benchmark | %s | %s | overhead |", OverheadBenchmark.PLAIN, Method.PATRONI);
    line("|---|---|---|---|");
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
          line(
              "| %s | %s | %s | %+.2f µs |",
              benchmark,
              score(plain),
              score(patroni),
              patroni.microseconds() - plain.microseconds());
        });
  }

  private static String score(OverheadBenchmark.Row r) {
    return Double.isNaN(r.error())
        ? format("%.2f µs", r.microseconds())
        : format("%.2f ± %.2f µs", r.microseconds(), r.error());
  }

  private void rest() {
    line("");
    line("## REST load");
    line("");
    line(
        "Requests to Patroni's REST APIs over %d s at steady state, counted by a proxy in front of"
            + " each API. pgjdbc multi-host makes none.",
        results.settings().restWindow().toSeconds());
    line("");
    line("| method | requests/s | requests |");
    line("|---|---|---|");
    for (RestLoad.Row r : results.rest()) {
      line("| %s | %.2f | %d |", r.method(), r.requestsPerSecond(), r.requests());
    }
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
