package org.patronijdbc.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.patronijdbc.testkit.LocalPatroniCluster;
import org.patronijdbc.testkit.PatroniCluster;

/**
 * The whole benchmark on one local cluster: every failover scenario with all methods side by side,
 * steady-state throughput, JMH overhead and REST load, written as {@code RESULTS.md} and one PNG
 * timeline per scenario. It measures; it never fails on a number.
 */
public final class Benchmark {

  /** Patroni's settings for the run, as the targets assume. */
  static final int TTL_SECONDS = 10;

  static final int LOOP_WAIT_SECONDS = 1;

  /** HAProxy marks a server up after {@code rise 2} checks {@code inter 3s} apart. */
  private static final Duration HAPROXY_RISE = Duration.ofSeconds(7);

  private static final Duration HEAL_TIMEOUT = Duration.ofSeconds(180);

  /**
   * Everything one run measured.
   *
   * @param date the day of the run
   * @param machine the machine and versions
   * @param settings how it measured
   * @param failover every sample per scenario and method, in method order
   * @param steady steady-state throughput rows
   * @param overhead JMH rows
   * @param rest REST load rows
   */
  public record Results(
      LocalDate date,
      String machine,
      Settings settings,
      Map<Scenario, Map<String, List<Figures>>> failover,
      List<SteadyState.Row> steady,
      List<OverheadBenchmark.Row> overhead,
      List<RestLoad.Row> rest) {}

  private Benchmark() {}

  /**
   * Runs the full benchmark into {@code benchmarks/results}.
   *
   * @param args {@code [repetitions]} (default 3)
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("overhead")) {
      overheadOnly(Settings.full(1, Path.of("benchmarks", "target", "overhead")));
      return;
    }
    int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Settings settings = Settings.full(repetitions, Path.of("benchmarks", "results"));
    String report = Report.markdown(run(settings));
    Files.writeString(settings.output().resolve("RESULTS.md"), report);
    System.out.println(report);
  }

  /** Runs every part with {@code settings}; the charts go to {@code settings.output()}. */
  public static Results run(Settings settings) throws Exception {
    Files.createDirectories(settings.output());
    try (LocalPatroniCluster cluster =
            PatroniCluster.builder().ttl(TTL_SECONDS).loopWait(LOOP_WAIT_SECONDS).start();
        Haproxy haproxy = Haproxy.start(cluster.members(), cluster.directory().resolve("haproxy"));
        Methods methods = new Methods(cluster)) {
      createTables(cluster);
      String machine = Machine.describe(cluster);
      int w = settings.writers();
      int r = settings.readers();
      List<Method> pooled =
          List.of(
              methods.patroniJdbc(w, r), methods.multiHost(w, r), methods.haproxy(haproxy, w, r));
      Thread.sleep(HAPROXY_RISE.toMillis());

      List<Method> steadyMethods = new ArrayList<>();
      steadyMethods.add(methods.direct(Method.DIRECT, w, r));
      steadyMethods.add(methods.direct(Method.CONTROL, w, r));
      steadyMethods.addAll(pooled);
      List<SteadyState.Row> steady = SteadyState.run(steadyMethods, settings);

      List<Method> compared = new ArrayList<>(pooled);
      compared.add(methods.oracle());
      Map<Scenario, Map<String, List<Figures>>> failover = new EnumMap<>(Scenario.class);
      for (int rep = 0; rep < settings.repetitions(); rep++) {
        for (Scenario scenario : Scenario.values()) {
          Map<String, List<Figures>> byMethod =
              failover.computeIfAbsent(scenario, s -> new LinkedHashMap<>());
          runOnce(cluster, scenario, compared, settings, rep == 0)
              .forEach((name, f) -> byMethod.computeIfAbsent(name, n -> new ArrayList<>()).add(f));
        }
      }

      List<RestLoad.Row> rest = RestLoad.run(cluster, settings, cluster.directory());
      List<OverheadBenchmark.Row> overhead = OverheadBenchmark.run(cluster, settings);
      return new Results(LocalDate.now(), machine, settings, failover, steady, overhead, rest);
    }
  }

  /**
   * Only the figures an engine change must not worsen: steady-state throughput against the direct
   * baseline and the JMH checkout and statement overhead, printed (RESULTS.md is left alone).
   */
  static void overheadOnly(Settings settings) throws Exception {
    try (LocalPatroniCluster cluster =
            PatroniCluster.builder().ttl(TTL_SECONDS).loopWait(LOOP_WAIT_SECONDS).start();
        Methods methods = new Methods(cluster)) {
      createTables(cluster);
      int w = settings.writers();
      int r = settings.readers();
      List<Method> steadyMethods =
          List.of(
              methods.direct(Method.DIRECT, w, r),
              methods.direct(Method.CONTROL, w, r),
              methods.patroniJdbc(w, r));
      for (SteadyState.Row row : SteadyState.run(steadyMethods, settings)) {
        System.out.printf(
            "steady  %-22s %-22s %10.0f ops/s  ratio to direct %.3f  errors %d%n",
            row.method(),
            row.operation().description,
            row.opsPerSecond(),
            row.ratioToDirect(),
            row.errors());
      }
      methods.close();
      for (OverheadBenchmark.Row row : OverheadBenchmark.run(cluster, settings)) {
        System.out.printf(
            "jmh     %-10s %-22s %8.2f us  +- %.2f%n",
            row.benchmark(), row.method(), row.microseconds(), row.error());
      }
    }
  }

  private static Map<String, Figures> runOnce(
      PatroniCluster cluster,
      Scenario scenario,
      List<Method> methods,
      Settings settings,
      boolean chart)
      throws Exception {
    List<Load> loads = new ArrayList<>();
    for (Method m : methods) {
      loads.add(new Load(m, settings.writers(), settings.readers()));
    }
    Thread.sleep(settings.settle().toMillis());
    // the window opens before the event, so the charts show the steady state it interrupts
    long from = System.nanoTime() - settings.settle().toNanos() / 2;
    Scenario.Event event;
    try {
      event = scenario.run(cluster, settings);
    } finally {
      for (Load load : loads) {
        load.close();
      }
    }
    Map<String, Figures> figures = new LinkedHashMap<>();
    for (Load load : loads) {
      figures.put(
          load.method().name(),
          load.figures(from, event.untilNanos(), event.replicaFitUntilNanos()));
    }
    if (chart) {
      Timeline.write(
          settings.output().resolve(scenario.id + ".png"),
          scenario.description,
          loads,
          from,
          event);
    }
    cluster.restoreHealth(HEAL_TIMEOUT);
    Thread.sleep(HAPROXY_RISE.toMillis());
    return figures;
  }

  private static void createTables(PatroniCluster cluster) throws SQLException {
    try (Connection c = cluster.connect(cluster.leader());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS bench (id bigint PRIMARY KEY)");
      s.execute("CREATE TABLE IF NOT EXISTS bench_read (id int PRIMARY KEY, v text NOT NULL)");
      s.execute(
          "INSERT INTO bench_read SELECT i, md5(i::text) FROM generate_series(0, "
              + (Load.READ_ROWS - 1)
              + ") i ON CONFLICT DO NOTHING");
    }
    cluster.awaitHealthy(HEAL_TIMEOUT);
  }
}
