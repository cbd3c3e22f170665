package org.patronijdbc.benchmarks;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How long and how hard one benchmark run measures. {@link #full} is what {@code scripts/benchmark}
 * runs; {@link #smoke} keeps every part working in {@code mvn verify}.
 *
 * @param repetitions repetitions of each failover scenario (the median is reported)
 * @param writers writer threads per method during the failover scenarios, threads per method at
 *     steady state, and the size of every pool
 * @param readers reader threads per method during the failover scenarios
 * @param settle load before each event, so every pool is warm
 * @param window how long an event is watched (a freeze: after the thaw)
 * @param freeze how long a frozen leader stays frozen
 * @param steadyRounds rounds of the steady-state comparison (methods alternate in each)
 * @param steadySlice how long one method runs one operation in one round
 * @param restWindow how long REST requests are counted at steady state, during a switchover, and
 *     asked for as fast as one member answers
 * @param rywSlice how long each method reads its own writes, per thread count
 * @param jmhForks JMH forks (0 runs in this JVM)
 * @param jmhIterations JMH warmup and measurement iterations
 * @param jmhTime length of one JMH iteration
 * @param output where the results file and the charts go
 */
public record Settings(
    int repetitions,
    int writers,
    int readers,
    Duration settle,
    Duration window,
    Duration freeze,
    int steadyRounds,
    Duration steadySlice,
    Duration restWindow,
    Duration rywSlice,
    int jmhForks,
    int jmhIterations,
    Duration jmhTime,
    Path output) {

  /** The documented run: {@code repetitions} of every scenario, a 30 s freeze. */
  public static Settings full(int repetitions, Path output) {
    return new Settings(
        repetitions,
        4,
        4,
        Duration.ofSeconds(3),
        Duration.ofSeconds(20),
        Duration.ofSeconds(30),
        12,
        Duration.ofMillis(1500),
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        1,
        5,
        Duration.ofSeconds(1),
        output);
  }

  /**
   * One short pass through every part. The freeze still outlasts the ttl (10 s), so the frozen
   * leader really loses its key.
   */
  public static Settings smoke(Path output) {
    return new Settings(
        1,
        2,
        2,
        Duration.ofSeconds(1),
        Duration.ofSeconds(6),
        Duration.ofSeconds(13),
        1,
        Duration.ofMillis(500),
        Duration.ofSeconds(4),
        Duration.ofSeconds(1),
        0,
        1,
        Duration.ofMillis(200),
        output);
  }
}
