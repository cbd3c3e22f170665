package org.patronijdbc.examples;

import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.patronijdbc.examples.DemoWorkload.Window;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;

/**
 * The README's first command: a live failover demo. Without arguments it starts a local 3-member
 * Patroni cluster, runs writers and readers through {@link PatroniHikariDataSource}, prints one
 * line per second, and injects a switchover, a replica crash and a leader freeze. With {@code
 * --url} it runs the same workload and live view against an existing cluster, without faults.
 */
public final class Demo {

  private static final Duration SETTLE = Duration.ofSeconds(6);

  /** One injected event and what it cost. */
  record Result(String event, Window window) {}

  private final PrintStream out;
  private final List<Result> results = new ArrayList<>();
  private PatroniHikariDataSource ds;
  private DemoWorkload load;
  private long started;

  Demo(PrintStream out) {
    this.out = out;
  }

  /**
   * Runs the demo.
   *
   * @param args none for the local cluster; {@code --url jdbc:patroni:... --user U --password P
   *     [--seconds N]} for an existing one
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    if (options.containsKey("help")) {
      System.out.println(
          "usage: scripts/demo                       local 3-member cluster with faults\n"
              + "       scripts/demo --url jdbc:patroni:postgresql://h1,h2,h3/db --user U --password P"
              + " [--seconds 60]");
      return;
    }
    Demo demo = new Demo(System.out);
    List<Result> results =
        options.containsKey("url")
            ? demo.runAgainst(
                options.get("url"),
                options.get("user"),
                options.get("password"),
                Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "60"))))
            : demo.runLocal();
    boolean misrouted = results.stream().anyMatch(r -> r.window().misroutedWrites() > 0);
    System.exit(misrouted ? 1 : 0);
  }

  /** Starts a local cluster and runs the fault script against it. */
  List<Result> runLocal() throws Exception {
    out.println("Starting a local 3-member Patroni cluster (etcd + Patroni + PostgreSQL 15)...");
    try (PatroniCluster cluster = PatroniCluster.builder().members(3).start()) {
      out.println("Cluster " + cluster.scope() + " is up: " + roles(cluster));
      start(
          cluster.jdbcUrl("postgres", "maxReplicationLag=16MB"),
          PatroniCluster.SUPERUSER,
          PatroniCluster.PASSWORD);
      try {
        live(SETTLE);

        Member candidate = cluster.replicas().get(0);
        event("switchover to " + candidate.name(), () -> cluster.switchover(candidate));

        Member replica = cluster.replicas().get(0);
        event(
            "crash of replica " + replica.name() + " (SIGKILL of its postmaster)",
            () -> cluster.crash(replica));
        cluster.awaitHealthy(Duration.ofSeconds(60));

        Member leader = cluster.leader();
        event(
            "freeze of leader " + leader.name() + " (SIGSTOP: a hung host)",
            () -> {
              cluster.freeze(leader);
              cluster.awaitNewLeader(leader, Duration.ofSeconds(60));
              cluster.thaw(leader);
            });
      } finally {
        stop();
      }
    }
    summary();
    return results;
  }

  /** Runs the workload and the live view against an existing cluster, without faults. */
  List<Result> runAgainst(String url, String user, String password, Duration duration)
      throws Exception {
    start(url, user, password);
    try {
      long from = System.nanoTime();
      live(duration);
      results.add(new Result("steady state", load.window(from, System.nanoTime())));
    } finally {
      stop();
    }
    summary();
    return results;
  }

  private void start(String url, String user, String password) throws SQLException {
    ds = new PatroniHikariDataSource(url, user, password);
    load = new DemoWorkload(ds, ds.readOnly(), 4, 4);
    started = System.nanoTime();
    out.println(
        "Workload: 4 writers (INSERT) through the write pool, 4 readers (SELECT) through readOnly()");
  }

  private void stop() throws InterruptedException {
    if (load != null) {
      load.close();
    }
    if (ds != null) {
      ds.close();
    }
  }

  /**
   * Injects {@code action} on its own thread while the live view goes on, watches a while longer,
   * and records what the event cost.
   */
  private void event(String name, Action action) throws Exception {
    out.println(">>> " + name);
    long from = System.nanoTime();
    CompletableFuture<Void> done =
        CompletableFuture.runAsync(
            () -> {
              try {
                action.run();
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            });
    while (!done.isDone()) {
      live(Duration.ofSeconds(1));
    }
    done.join();
    live(SETTLE);
    Window w = load.window(from, System.nanoTime());
    results.add(new Result(name, w));
    out.printf(
        "<<< %s: write outage %d ms, misrouted writes %d, failed writes %d, failed reads %d%n",
        name, w.writeOutageMs(), w.misroutedWrites(), w.failedWrites(), w.failedReads());
  }

  /** Prints one line per second for {@code duration}. */
  private void live(Duration duration) throws Exception {
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < end) {
      long from = System.nanoTime();
      Thread.sleep(1000);
      Window w = load.window(from, System.nanoTime());
      Map<Integer, String> names = memberNames();
      out.printf(
          "t=%3ds  writes %4d/s  reads %4d/s  errors w%d r%d  writes on %-6s reads on %-9s leader %s%n",
          Duration.ofNanos(System.nanoTime() - started).toSeconds(),
          w.writes(),
          w.reads(),
          w.failedWrites(),
          w.failedReads(),
          members(w.writePorts(), names),
          members(w.readPorts(), names),
          leader());
    }
  }

  private Map<Integer, String> memberNames() throws SQLException {
    Map<Integer, String> names = new TreeMap<>();
    ds.topology().ifPresent(t -> t.members().forEach(m -> names.put(m.port(), m.name())));
    return names;
  }

  private String leader() throws SQLException {
    return ds.topology().flatMap(ClusterTopology::leader).map(ClusterMember::name).orElse("none");
  }

  private static String members(List<Integer> ports, Map<Integer, String> names) {
    String s =
        ports.stream()
            .distinct()
            .sorted()
            .map(p -> names.getOrDefault(p, ":" + p))
            .collect(Collectors.joining(","));
    return s.isEmpty() ? "-" : s;
  }

  private static String roles(PatroniCluster cluster) {
    return cluster.members().stream()
        .map(m -> m.name() + " " + m.role())
        .collect(Collectors.joining(", "));
  }

  private void summary() {
    out.println();
    out.printf(
        "%-52s %14s %10s %13s %12s%n",
        "event", "write outage", "misrouted", "failed writes", "failed reads");
    for (Result r : results) {
      Window w = r.window();
      out.printf(
          "%-52s %11d ms %10d %13d %12d%n",
          r.event(), w.writeOutageMs(), w.misroutedWrites(), w.failedWrites(), w.failedReads());
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new TreeMap<>();
    for (int i = 0; i < args.length; i++) {
      String key = args[i].replaceFirst("^--", "");
      if (key.equals("help") || key.equals("h")) {
        options.put("help", "");
      } else if (i + 1 < args.length) {
        options.put(key, args[++i]);
      } else {
        throw new IllegalArgumentException("missing value for " + args[i] + "; try --help");
      }
    }
    return options;
  }

  @FunctionalInterface
  private interface Action {
    void run() throws Exception;
  }
}
