package org.patronijdbc.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A short smoke run that keeps the benchmark working; it checks the run, never a number. */
class FailoverBenchmarkIT {

  @Test
  void smokeRunMeasuresEveryMethod() throws Exception {
    List<FailoverBenchmark.Row> rows = FailoverBenchmark.run(1, Duration.ofSeconds(5));
    System.out.println(FailoverBenchmark.table(rows, 1));

    assertThat(rows)
        .extracting(FailoverBenchmark.Row::method)
        .containsExactly(
            "patroni-jdbc",
            "Hikari + pgjdbc multi-host",
            "Hikari + HAProxy",
            "oracle (fresh connection, every node)");
    assertThat(rows).allSatisfy(r -> assertThat(r.writeOutageMs()).isPositive());
  }
}
