package org.patronijdbc.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's first command, run in-process: its fault script on its own cluster. */
class DemoIT {

  @Test
  void demoShowsNoMisroutedWriteAndReadsContinuingThroughTheReplicaCrash() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<Demo.Result> results;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      results = new Demo(out).runLocal();
    }
    String output = bytes.toString(StandardCharsets.UTF_8);
    System.out.println(output);

    assertThat(results).hasSize(3);
    assertThat(results).allSatisfy(r -> assertThat(r.window().misroutedWrites()).isZero());
    Demo.Result crash = results.get(1);
    assertThat(crash.event()).startsWith("crash of replica");
    assertThat(crash.window().reads()).isPositive();
    // each of the read pool's connections (Hikari's default 10) to the crashed replica fails once
    assertThat(crash.window().failedReads()).isLessThanOrEqualTo(10);
    assertThat(results).allSatisfy(r -> assertThat(r.window().writes()).isPositive());
    assertThat(output).contains("misrouted").doesNotContain("Exception").doesNotContain("\tat ");
  }
}
