package org.patronijdbc.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.patronijdbc.testkit.LocalPatroniCluster;
import org.patronijdbc.testkit.Member;
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
   * @param patroniGapMs Patroni's own write gap per scenario, one sample per run
   * @param steady steady-state throughput rows
   * @param overhead JMH rows
   * @param rest REST load rows
   * @param readYourWrites reading one's own write, per method and thread count
   * @param cost sessions and transactions per method
   * @param fleet one member's REST capacity and the simulated fleet
   */
  public record Results(
      LocalDate date,
      String machine,
      Settings settings,
      Map<Scenario, Map<String, List<Figures>>> failover,
      Map<Scenario, List<Long>> patroniGapMs,
      List<SteadyState.Row> steady,
      List<OverheadBenchmark.Row> overhead,
      List<RestLoad.Row> rest,
      List<ReadYourWrites.Row> readYourWrites,
      List<Cost.Row> cost,
      Fleet.Result fleet) {

    /** The results of a run of failover scenarios only. */
    static Results failoverOnly(
        LocalDate date,
        String machine,
        Settings settings,
        Map<Scenario, Map<String, List<Figures>>> failover,
        Map<Scenario, List<Long>> patroniGapMs) {
      return new Results(
          date,
          machine,
          settings,
          failover,
          patroniGapMs,
          List.of(),
          List.of(),
          List.of(),
          List.of(),
          List.of(),
          null);
    }

    /** These results with the REST load and fleet size of the same run. */
    Results withRest(List<RestLoad.Row> restLoad, Fleet.Result fleetSize) {
      return new Results(
          date,
          machine,
          settings,
          failover,
          patroniGapMs,
          steady,
          overhead,
          restLoad,
          readYourWrites,
          cost,
          fleetSize);
    }
  }

  /** The patroni-jdbc data source whose REST access the lag scenario cuts. */
  static final String PATRONI_REST_CUT = Method.PATRONI + ", REST API cut";

  /** Data sources in the simulated fleet. */
  static final int FLEET_SOURCES = 20;

  private Benchmark() {}

  /**
   * Runs the full benchmark into {@code benchmarks/results}, or one part of it.
   *
   * @param args {@code [repetitions]} (default 3), {@code overhead}, {@code failover repetitions
   *     directory} or {@code partitions repetitions directory}
   */
  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "";
    switch (mode) {
      case "overhead" ->
          overheadOnly(Settings.full(1, Path.of("benchmarks", "target", "overhead")));
      // the leader isolated on clusters of containers: partitions <repetitions> <directory>
      case "partitions" -> write(runPartitions(settings(args)), Report::failoverMarkdown);
      // the failover scenarios alone, e.g. on another Patroni: failover <repetitions> <directory>
      case "failover" -> write(runFailovers(settings(args)), Report::failoverMarkdown);
      default -> {
        int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        write(run(Settings.full(repetitions, Path.of("benchmarks", "results"))), Report::markdown);
      }
    }
  }

  private static Settings settings(String[] args) {
    return Settings.full(Integer.parseInt(args[1]), Path.of(args[2]));
  }

  /** Writes {@code RESULTS.md} into the run's output directory and prints it. */
  private static void write(Results results, Function<Results, String> report) throws Exception {
    String markdown = report.apply(results);
    Files.writeString(results.settings().output().resolve("RESULTS.md"), markdown);
    System.out.println(markdown);
  }

  /** Runs every part with {@code settings}; the charts go to {@code settings.output()}. */
  public static Results run(Settings settings) throws Exception {
    Files.createDirectories(settings.output());
    List<CountingProxy> clientRest = new ArrayList<>();
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
      for (Member m : cluster.members()) {
        clientRest.add(new CountingProxy(m.restPort()));
      }
      Method restCut = methods.patroniJdbcThrough(PATRONI_REST_CUT, clientRest, w, r);
      Thread.sleep(HAPROXY_RISE.toMillis());

      List<Method> steadyMethods = new ArrayList<>();
      steadyMethods.add(methods.direct(Method.DIRECT, w, r));
      steadyMethods.add(methods.direct(Method.CONTROL, w, r));
      steadyMethods.addAll(pooled);
      List<SteadyState.Row> steady = SteadyState.run(steadyMethods, settings);

      List<Method> compared = new ArrayList<>(pooled);
      compared.add(methods.oracle());
      Scenario.Stage stage = new Scenario.Stage(cluster, settings, clientRest);
      Map<Scenario, Map<String, List<Figures>>> failover = new EnumMap<>(Scenario.class);
      Map<Scenario, List<Long>> gaps = new EnumMap<>(Scenario.class);
      scenarios(stage, Scenario.LOCAL, compared, restCut, failover, gaps);

      List<RestLoad.Row> rest = RestLoad.run(cluster, settings, cluster.directory());
      // each part from here on runs its methods alone
      methods.close();
      cluster.restoreHealth(HEAL_TIMEOUT);
      List<ReadYourWrites.Row> ryw =
          ReadYourWrites.run(readYourWritesMethods(haproxy, w, r), cluster, settings.rywSlice());
      List<Cost.Row> cost = Cost.run(cluster, costMethods(haproxy));
      List<OverheadBenchmark.Row> overhead = OverheadBenchmark.run(cluster, settings);
      Fleet.Result fleet = Fleet.run(cluster, settings, FLEET_SOURCES);
      return new Results(
          LocalDate.now(),
          machine,
          settings,
          failover,
          gaps,
          steady,
          overhead,
          rest,
          ryw,
          cost,
          fleet);
    } finally {
      for (CountingProxy p : clientRest) {
        p.close();
      }
    }
  }

  /**
   * The failover scenarios alone (switchover, leader crash, leader freeze) with the four methods,
   * then the REST load and one member's REST capacity, on the Patroni that {@code
   * PATRONI_TESTKIT_PATRONI} names.
   */
  static Results runFailovers(Settings settings) throws Exception {
    try (LocalPatroniCluster cluster =
        PatroniCluster.builder().ttl(TTL_SECONDS).loopWait(LOOP_WAIT_SECONDS).start()) {
      Results failovers =
          compareOnly(
              cluster,
              settings,
              List.of(Scenario.SWITCHOVER, Scenario.LEADER_CRASH, Scenario.LEADER_FREEZE),
              null);
      cluster.restoreHealth(HEAL_TIMEOUT);
      List<RestLoad.Row> rest = RestLoad.run(cluster, settings, cluster.directory());
      cluster.restoreHealth(HEAL_TIMEOUT);
      return failovers.withRest(rest, Fleet.run(cluster, settings, FLEET_SOURCES));
    }
  }

  /**
   * The leader isolated from etcd and the other members on a cluster of containers, once with
   * asynchronous replication and once in synchronous mode (a cluster each), HAProxy on the host.
   */
  static Results runPartitions(Settings settings) throws Exception {
    Results all = null;
    for (Scenario scenario : Scenario.PARTITIONS) {
      try (PatroniCluster cluster =
          PatroniCluster.builder()
              .ttl(TTL_SECONDS)
              .loopWait(LOOP_WAIT_SECONDS)
              .synchronousMode(scenario == Scenario.LEADER_ISOLATED_SYNC)
              .startInContainers()) {
        all = compareOnly(cluster, settings, List.of(scenario), all);
      }
    }
    return all;
  }

  /**
   * Only {@code scenarios}, with the four methods, added to {@code earlier} (null: none), whose
   * machine line stays.
   */
  private static Results compareOnly(
      PatroniCluster cluster, Settings settings, List<Scenario> scenarios, Results earlier)
      throws Exception {
    Files.createDirectories(settings.output());
    try (Haproxy haproxy =
            Haproxy.start(cluster.members(), Files.createTempDirectory("benchmark-haproxy"));
        Methods methods = new Methods(cluster)) {
      createTables(cluster);
      int w = settings.writers();
      int r = settings.readers();
      List<Method> compared =
          List.of(
              methods.patroniJdbc(w, r),
              methods.multiHost(w, r),
              methods.haproxy(haproxy, w, r),
              methods.oracle());
      Thread.sleep(HAPROXY_RISE.toMillis());
      Scenario.Stage stage = new Scenario.Stage(cluster, settings, List.of());
      Map<Scenario, Map<String, List<Figures>>> failover = new EnumMap<>(Scenario.class);
      Map<Scenario, List<Long>> gaps = new EnumMap<>(Scenario.class);
      if (earlier != null) {
        failover.putAll(earlier.failover());
        gaps.putAll(earlier.patroniGapMs());
      }
      scenarios(stage, scenarios, compared, null, failover, gaps);
      return Results.failoverOnly(
          LocalDate.now(),
          earlier != null ? earlier.machine() : Machine.describe(cluster),
          settings,
          failover,
          gaps);
    }
  }

  /**
   * Runs {@code scenarios} {@code settings.repetitions()} times (a lag scenario once), each method
   * of {@code compared} through each, {@code restCut} instead of the first in the scenario that
   * cuts the REST API; adds each run's figures and Patroni's gap.
   */
  private static void scenarios(
      Scenario.Stage stage,
      List<Scenario> scenarios,
      List<Method> compared,
      Method restCut,
      Map<Scenario, Map<String, List<Figures>>> failover,
      Map<Scenario, List<Long>> gaps)
      throws Exception {
    List<Method> restCutCompared = new ArrayList<>(compared);
    if (restCut != null) {
      restCutCompared.set(0, restCut);
    }
    // the lag scenarios first, while every read pool still holds the sessions it opened at the
    // start: after a failover or the last replica down, pgjdbc's and HAProxy's pooled reads stay
    // on the leader until their connections end
    List<Scenario> ordered = new ArrayList<>(scenarios);
    ordered.sort(Comparator.comparing(s -> !s.lag));
    for (int rep = 0; rep < stage.settings().repetitions(); rep++) {
      for (Scenario scenario : ordered) {
        if (rep > 0 && scenario.lag) {
          continue; // one run of each lag scenario: no outage is taken from them
        }
        Map<String, List<Figures>> byMethod =
            failover.computeIfAbsent(scenario, s -> new LinkedHashMap<>());
        List<Method> these = scenario == Scenario.REPLICA_LAG_REST_CUT ? restCutCompared : compared;
        Run run = runOnce(stage, scenario, these, rep == 0);
        run.figures()
            .forEach((name, f) -> byMethod.computeIfAbsent(name, n -> new ArrayList<>()).add(f));
        gaps.computeIfAbsent(scenario, s -> new ArrayList<>()).add(run.patroniGapMs());
      }
    }
  }

  /** patroni-jdbc at each read-your-writes scope, beside pgjdbc multi-host and HAProxy. */
  private static List<Function<Methods, Method>> readYourWritesMethods(
      Haproxy haproxy, int w, int r) {
    List<Function<Methods, Method>> all = new ArrayList<>();
    for (String scope : List.of("off", "thread", "dataSource")) {
      all.add(
          m ->
              m.patroniJdbc(
                  Method.PATRONI + ", readYourWrites=" + scope, w, r, "readYourWrites=" + scope));
    }
    all.add(m -> m.multiHost(w, r));
    all.add(m -> m.haproxy(haproxy, w, r));
    return all;
  }

  /** The pooled methods and the direct baseline, every pool {@link Cost#POOL_SIZE}. */
  private static List<Function<Methods, Method>> costMethods(Haproxy haproxy) {
    int n = Cost.POOL_SIZE;
    return List.of(
        m -> m.direct(Method.DIRECT, n, n),
        m -> m.patroniJdbc(n, n),
        m -> m.multiHost(n, n),
        m -> m.haproxy(haproxy, n, n));
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

  /** One run of one scenario: each method's figures, and Patroni's own write gap. */
  private record Run(Map<String, Figures> figures, long patroniGapMs) {}

  private static Run runOnce(
      Scenario.Stage stage, Scenario scenario, List<Method> methods, boolean chart)
      throws Exception {
    Settings settings = stage.settings();
    PatroniCluster cluster = stage.cluster();
    List<Load> loads = new ArrayList<>();
    for (Method m : methods) {
      loads.add(new Load(m, settings.writers(), settings.readers()));
    }
    Probe probe = new Probe(cluster);
    Thread.sleep(settings.settle().toMillis());
    // the window opens before the event, so the charts show the steady state it interrupts
    long from = System.nanoTime() - settings.settle().toNanos() / 2;
    Scenario.Event event;
    try {
      event = scenario.run(stage);
    } finally {
      probe.close();
      for (Load load : loads) {
        load.close();
      }
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
    Map<String, Figures> figures = new LinkedHashMap<>();
    try (Connection leader = cluster.connect(cluster.leader())) {
      for (Load load : loads) {
        long[] acked = load.acknowledged(from, event.untilNanos());
        figures.put(
            load.method().name(), load.figures(from, event, acked.length - kept(leader, acked)));
      }
    }
    Thread.sleep(HAPROXY_RISE.toMillis());
    return new Run(figures, probe.gapMs(from, event.untilNanos()));
  }

  /** How many of the rows {@code ids} the leader has. */
  private static long kept(Connection leader, long[] ids) throws SQLException {
    try (PreparedStatement ps =
        leader.prepareStatement("SELECT count(*) FROM bench WHERE id = ANY (?)")) {
      ps.setArray(1, leader.createArrayOf("bigint", Arrays.stream(ids).boxed().toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static void createTables(PatroniCluster cluster) throws SQLException {
    try (Connection c = cluster.connect(cluster.leader());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS bench (id bigint PRIMARY KEY)");
      s.execute("CREATE TABLE IF NOT EXISTS bench_pad (id int NOT NULL, pad text NOT NULL)");
      Probe.install(c);
      s.execute("CREATE TABLE IF NOT EXISTS bench_read (id int PRIMARY KEY, v text NOT NULL)");
      s.execute(
          "INSERT INTO bench_read SELECT i, md5(i::text) FROM generate_series(0, "
              + (Load.READ_ROWS - 1)
              + ") i ON CONFLICT DO NOTHING");
    }
    cluster.awaitHealthy(HEAL_TIMEOUT);
  }
}
