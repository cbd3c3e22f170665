package org.patronijdbc.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
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
    assertThat(results.failover()).containsOnlyKeys(Scenario.values());
    results
        .failover()
        .forEach(
            (scenario, byMethod) -> {
              assertThat(byMethod.keySet()).as(scenario.id).containsExactlyElementsOf(compared);
              assertThat(byMethod.values()).allSatisfy(samples -> assertThat(samples).hasSize(1));
            });
    for (Scenario scenario : Scenario.values()) {
      byte[] png = Files.readAllBytes(output.resolve(scenario.id + ".png"));
      assertThat(Arrays.copyOf(png, 4)).as(scenario.id).isEqualTo(PNG_MAGIC);
    }
    // every method served writes and reads at steady state
    assertThat(results.steady())
        .hasSize(2 * 5)
        .allSatisfy(r -> assertThat(r.opsPerSecond()).as(r.toString()).isPositive());
    assertThat(results.overhead())
        .extracting(OverheadBenchmark.Row::benchmark, OverheadBenchmark.Row::method)
        .containsExactlyInAnyOrder(
            tuple("checkout", OverheadBenchmark.PLAIN),
            tuple("checkout", Method.PATRONI),
            tuple("statement", OverheadBenchmark.PLAIN),
            tuple("statement", Method.PATRONI));
    // both pollers were seen by their proxies: the count is wired, whatever the rate
    assertThat(results.rest())
        .extracting(RestLoad.Row::method)
        .containsExactly(Method.PATRONI, Method.HAPROXY);
    assertThat(results.rest()).allSatisfy(r -> assertThat(r.requests()).isPositive());
    assertThat(report).contains("## Targets").contains("![switchover](switchover.png)");
  }
}
