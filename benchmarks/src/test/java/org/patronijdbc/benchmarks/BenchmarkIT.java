package org.patronijdbc.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A short smoke run that keeps the whole benchmark working: every scenario, the steady state, JMH
 * and the REST count each produce their figures and charts. It checks the run, never a number.
 */
class BenchmarkIT {

  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

  @Test
  void smokeRunProducesEveryFigureAndChart() throws Exception {
    Path output = Path.of("target", "benchmark-smoke");
    Benchmark.Results results = Benchmark.run(Settings.smoke(output));
    String report = Report.markdown(results);
    System.out.println(report);

    List<String> compared =
        List.of(Method.PATRONI, Method.MULTI_HOST, Method.HAPROXY, Method.ORACLE);
    assertThat(results.failover()).containsOnlyKeys(Scenario.LOCAL);
    results
        .failover()
        .forEach(
            (scenario, byMethod) -> {
              List<String> expected = new ArrayList<>(compared);
              if (scenario == Scenario.REPLICA_LAG_REST_CUT) {
                expected.set(0, Benchmark.PATRONI_REST_CUT);
              }
              assertThat(byMethod.keySet()).as(scenario.id).containsExactlyElementsOf(expected);
              assertThat(byMethod.values()).allSatisfy(samples -> assertThat(samples).hasSize(1));
            });
    for (Scenario scenario : Scenario.LOCAL) {
      byte[] png = Files.readAllBytes(output.resolve(scenario.id + ".png"));
      assertThat(Arrays.copyOf(png, 4)).as(scenario.id).isEqualTo(PNG_MAGIC);
    }
    // the lag was made: pgjdbc multi-host, which knows nothing of lag, read from the lagging
    // replica
    assertThat(results.failover().get(Scenario.REPLICA_LAG).get(Method.MULTI_HOST).get(0))
        .extracting(Figures::readsPastLagLimit)
        .satisfies(n -> assertThat(n).isPositive());
    // Patroni's own gap was probed in each failover
    assertThat(results.patroniGapMs()).containsKeys(Scenario.SWITCHOVER, Scenario.LEADER_CRASH);
    // every method served writes and reads at steady state
    assertThat(results.steady())
        .hasSize(2 * 5)
        .allSatisfy(r -> assertThat(r.opsPerSecond()).as(r.toString()).isPositive());
    assertThat(results.overhead())
        .extracting(OverheadBenchmark.Row::benchmark, OverheadBenchmark.Row::method)
        .containsExactlyInAnyOrder(
            tuple("checkout", OverheadBenchmark.PLAIN),
            tuple("checkout", Method.PATRONI),
            tuple("checkout", OverheadBenchmark.READ_YOUR_WRITES),
            tuple("readCheckout", OverheadBenchmark.PLAIN),
            tuple("readCheckout", Method.PATRONI),
            tuple("readCheckout", OverheadBenchmark.READ_YOUR_WRITES),
            tuple("statement", OverheadBenchmark.PLAIN),
            tuple("statement", Method.PATRONI),
            tuple("statement", OverheadBenchmark.READ_YOUR_WRITES));
    // both pollers were seen by their proxies: the count is wired, whatever the rate
    assertThat(results.rest())
        .extracting(RestLoad.Row::method)
        .containsExactly(Method.PATRONI, Method.HAPROXY, RestLoad.DURING_SWITCHOVER);
    assertThat(results.rest()).allSatisfy(r -> assertThat(r.requests()).isPositive());
    // every method read its own writes at both thread counts, and the cost was counted
    assertThat(results.readYourWrites())
        .hasSize(5 * ReadYourWrites.THREADS.length)
        .allSatisfy(r -> assertThat(r.reads()).as(r.toString()).isPositive());
    assertThat(results.cost())
        .hasSize(4)
        .allSatisfy(r -> assertThat(r.sessions()).as(r.toString()).isPositive());
    assertThat(results.fleet().clusterGetsPerSecond()).isPositive();
    assertThat(results.fleet().fleetPerSecond()).isPositive();
    assertThat(report)
        .contains("## Targets")
        .contains("![switchover](switchover.png)")
        .contains("## Reading one's own write")
        .contains("## Cost to the servers");
    // a failover-only run reports its scenarios, and the REST load and fleet size once added (as
    // scripts/benchmark patroni41's run adds them)
    Benchmark.Results failoverOnly =
        Benchmark.Results.failoverOnly(
            results.date(),
            results.machine(),
            results.settings(),
            results.failover(),
            results.patroniGapMs());
    assertThat(Report.failoverMarkdown(failoverOnly))
        .contains("![switchover](switchover.png)")
        .doesNotContain("## REST load and fleet size")
        .doesNotContain("## Targets");
    assertThat(Report.failoverMarkdown(failoverOnly.withRest(results.rest(), results.fleet())))
        .contains("## REST load and fleet size");
  }
}
