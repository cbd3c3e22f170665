package org.patronijdbc.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Patroni cluster of local processes: one etcd and N Patroni members with PostgreSQL, all on
 * 127.0.0.1 with ports picked at run time and everything in one temporary directory, made of the
 * installed Debian binaries ({@code apt-get install postgresql patroni etcd-server}).
 *
 * <pre>{@code
 * try (LocalPatroniCluster cluster = PatroniCluster.builder().members(3).start()) {
 *   Member leader = cluster.leader();
 *   cluster.switchover(cluster.replicas().get(0));
 * }
 * }</pre>
 *
 * <p>When the JVM runs as root the cluster's processes run as the {@code postgres} user. {@link
 * #close()} (also run when the JVM exits) leaves no process and no directory behind.
 */
public final class LocalPatroniCluster extends ClusterBase {

  /**
   * System property that, when {@code true}, keeps the cluster's directory (data, configuration and
   * logs) after {@link #close()} for a post-mortem.
   */
  public static final String KEEP_DIRECTORY_PROPERTY = "patroni.testkit.keepDirectory";

  /**
   * Environment variable naming the directory clusters are created in (default: the system's
   * temporary directory). It must be traversable by the {@code postgres} user when run as root.
   */
  public static final String DIRECTORY_ENV = "PATRONI_TESTKIT_DIR";

  static final String REPLICATION_USER = "replicator";
  static final String REWIND_USER = "rewinder";

  private static final Logger log = LoggerFactory.getLogger(PatroniCluster.class);

  private final Binaries binaries;
  private final Path baseDir;
  private RestTls tls;
  private final Set<Integer> usedPorts = new HashSet<>();
  private final Map<String, MemberNode> nodes = new LinkedHashMap<>();
  private int etcdPort;
  private Process etcd;
  private boolean closed;

  private LocalPatroniCluster(ClusterSettings settings, Binaries binaries) throws IOException {
    super(settings, "testkit-" + UUID.randomUUID().toString().substring(0, 8));
    this.binaries = binaries;
    String parent = System.getenv(DIRECTORY_ENV);
    this.baseDir =
        parent == null || parent.isBlank()
            ? Files.createTempDirectory("patroni-testkit-")
            : Files.createTempDirectory(
                Files.createDirectories(Path.of(parent)), "patroni-testkit-");
  }

  /** The directory holding the cluster's data, configuration and logs. */
  public Path directory() {
    return baseDir;
  }

  /**
   * A {@code jdbc:patroni:postgresql://} URL naming every member's PostgreSQL address, with {@code
   * patroniUrls} naming every REST API (each member's REST port differs).
   *
   * @param database the database name, e.g. {@code postgres}
   * @param params extra {@code key=value} URL parameters
   */
  @Override
  List<String> postgresAddresses() {
    return nodesInOrder().map(n -> "127.0.0.1:" + n.pgPort).toList();
  }

  @Override
  List<String> restUrls() {
    return nodesInOrder().map(MemberNode::restUrl).toList();
  }

  /** With {@code restApiTls()}: the CA and the client certificate patroni-jdbc needs. */
  @Override
  List<String> restParameters() {
    if (tls == null) {
      return List.of();
    }
    return List.of(
        "patroniSslRootCert=" + tls.ca,
        "patroniSslCert=" + tls.clientCert,
        "patroniSslKey=" + tls.clientKey);
  }

  // ---------------------------------------------------------------- actions

  /**
   * SIGKILL of the member's postmaster and of all its PostgreSQL processes (an orphaned backend
   * would otherwise keep the shared memory and block the restart). Patroni survives and reacts:
   * with testkit's default {@code primaryStartTimeout(0)} a crashed leader fails over.
   */
  @Override
  public void crash(Member member) {
    node(member).crashPostgres();
    log.info("{} - crashed PostgreSQL of {}", scope, member.name());
  }

  /** SIGSTOP of the member's Patroni and PostgreSQL processes: a hung host. */
  @Override
  public void freeze(Member member) {
    node(member).freeze(true);
    log.info("{} - froze {}", scope, member.name());
  }

  /** SIGCONT of whatever {@link #freeze} or {@link #freezePatroni} stopped on this member. */
  @Override
  public void thaw(Member member) {
    node(member).thaw();
    log.info("{} - thawed {}", scope, member.name());
  }

  /** SIGSTOP of the member's Patroni only: its REST API goes silent, PostgreSQL keeps serving. */
  @Override
  public void freezePatroni(Member member) {
    node(member).freeze(false);
    log.info("{} - froze Patroni of {}", scope, member.name());
  }

  /**
   * SIGSTOP of the member's walreceiver: it stops receiving WAL while Patroni and PostgreSQL keep
   * running, so the lag Patroni reports grows with every write on the leader. Undo with {@link
   * #resumeReplication} (or {@link #thaw}) well within {@code wal_sender_timeout} (60 s).
   */
  @Override
  public void pauseReplication(Member replica) {
    node(replica).pauseReplication();
    log.info("{} - paused replication to {}", scope, replica.name());
  }

  /**
   * Sets a Patroni tag on {@code member} at run time (its configuration is rewritten and Patroni
   * reloads it), e.g. {@code setTag(m, "noloadbalance", true)}; a null {@code value} removes the
   * tag. Patroni publishes the new tags in /cluster on its next loop.
   */
  @Override
  public void setTag(Member member, String key, Object value) {
    try {
      node(member).setTag(key, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    log.info("{} - tag {}={} on {}", scope, key, value, member.name());
  }

  /** Stops the member's Patroni gracefully (it stops PostgreSQL and releases leadership). */
  @Override
  public void stop(Member member) {
    node(member).stop();
    log.info("{} - stopped {}", scope, member.name());
  }

  /** Starts a stopped member's Patroni again; it rejoins as a replica. */
  @Override
  public void start(Member member) {
    try {
      node(member).start(binaries);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    log.info("{} - started {}", scope, member.name());
  }

  /**
   * Adds a new member to the running cluster and waits until it streams from the leader.
   *
   * @return the new member as Patroni reports it
   */
  @Override
  public Member addMember() {
    MemberNode node = newNode();
    try {
      node.writeConfig(settings, scope, etcdPort, binaries);
      node.start(binaries);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    log.info("{} - added {}", scope, node.name);
    awaitHealthy(START_TIMEOUT);
    return member(node.name);
  }

  /** Processes share one network: there is no partition to make. */
  @Override
  public void isolate(Member member) {
    throw noNetworkFaults();
  }

  /** Processes share one network: there is no partition to make. */
  @Override
  public void partitionFromClient(Member member) {
    throw noNetworkFaults();
  }

  /** Nothing to heal: a cluster of processes is never partitioned. */
  @Override
  public void heal(Member member) {
    node(member); // only a member of this cluster
  }

  private UnsupportedOperationException noNetworkFaults() {
    return new UnsupportedOperationException(
        scope
            + ": a cluster of local processes shares 127.0.0.1 and cannot be partitioned; start it"
            + " with PatroniCluster.builder().startInContainers() for network faults");
  }

  /**
   * Thaws every member, starts every stopped one, then {@link #awaitHealthy}, which reinitializes a
   * member that is still no caught-up replica on the leader's timeline after {@link #HEAL_AFTER}.
   */
  @Override
  public void restoreHealth(Duration timeout) {
    for (MemberNode node : nodes.values()) {
      node.thaw();
      if (node.isStopped()) {
        try {
          node.start(binaries);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    awaitHealthy(timeout);
  }

  @Override
  public String toString() {
    return "PatroniCluster[" + scope + ", " + nodes.size() + " members, " + baseDir + "]";
  }

  // ---------------------------------------------------------------- internals

  private void startAll() throws IOException {
    closeOnExit();
    if (settings.restTls()) {
      tls = RestTls.generate(baseDir.resolve("tls"));
      rest = new PatroniRest(tls.clientContext());
    }
    Processes.handOver(baseDir);
    startEtcd();
    for (int i = 0; i < settings.members(); i++) {
      MemberNode node = newNode();
      node.writeConfig(settings, scope, etcdPort, binaries);
    }
    // The first member bootstraps (initdb) and takes the leader lock; the others then clone it.
    MemberNode first = nodes.values().iterator().next();
    first.start(binaries);
    awaitLeader(m -> m.name().equals(first.name), first.name, START_TIMEOUT);
    for (MemberNode node : nodes.values()) {
      node.start(binaries);
    }
    awaitHealthy(START_TIMEOUT);
  }

  private void startEtcd() throws IOException {
    etcdPort = freePort();
    int peerPort = freePort();
    String client = "http://127.0.0.1:" + etcdPort;
    String peer = "http://127.0.0.1:" + peerPort;
    Path dir = baseDir.resolve("etcd");
    Files.createDirectories(dir);
    Processes.handOver(dir);
    etcd =
        Processes.spawn(
            List.of(
                binaries.etcd().toString(),
                "--name=etcd0",
                "--data-dir=" + dir.resolve("data"),
                "--listen-client-urls=" + client,
                "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + peer,
                "--initial-advertise-peer-urls=" + peer,
                "--initial-cluster=etcd0=" + peer,
                "--initial-cluster-token=" + scope,
                "--enable-v2=true"),
            dir,
            dir.resolve("etcd.log"));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (rest.status(client, "/health") != 200) {
      if (!etcd.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            scope + ": etcd did not start; see " + dir.resolve("etcd.log"));
      }
      Processes.sleep(Duration.ofMillis(100));
    }
  }

  private MemberNode newNode() {
    String name = "n" + (nodes.size() + 1);
    MemberNode node = new MemberNode(name, freePort(), freePort(), baseDir.resolve(name), tls);
    nodes.put(name, node);
    return node;
  }

  private MemberNode node(Member member) {
    MemberNode node = nodes.get(member.name());
    if (node == null) {
      throw new IllegalArgumentException(member.name() + " is not a member of " + scope);
    }
    return node;
  }

  private Stream<MemberNode> nodesInOrder() {
    return nodes.values().stream();
  }

  /** {@code GET /cluster} from the first member that answers, frozen and stopped ones last. */
  @Override
  Optional<List<Member>> view() {
    return nodesInOrder()
        .sorted(Comparator.comparing(n -> n.isFrozen() || n.isStopped()))
        .map(n -> rest.cluster(n.restUrl()))
        .flatMap(Optional::stream)
        .findFirst();
  }

  @Override
  Set<String> memberNames() {
    return nodes.keySet();
  }

  @Override
  boolean isStopped(String member) {
    return nodes.get(member) == null || nodes.get(member).isStopped();
  }

  @Override
  boolean isImpaired(String member) {
    return nodes.get(member) != null && nodes.get(member).isFrozen();
  }

  @Override
  String logTail(String member) {
    return nodes.get(member).logTail();
  }

  @Override
  void failIfAMemberDied() {
    for (MemberNode node : nodes.values()) {
      Optional<String> notice = node.deathNotice();
      if (notice.isPresent()) {
        throw new IllegalStateException(scope + ": " + notice.get());
      }
    }
  }

  private int freePort() {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int port = socket.getLocalPort();
        if (usedPorts.add(port)) {
          return port;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Kills every process of this cluster: Patroni first (so nothing restarts PostgreSQL), then
   * whatever still names the cluster's directory or scope on its command line (PostgreSQL titles
   * its processes {@code postgres: <scope>: ...}), then deletes the directory.
   */
  @Override
  synchronized void destroy() {
    if (closed) {
      return;
    }
    closed = true;
    for (int attempt = 0; attempt < 50; attempt++) {
      List<Long> left = ownProcesses();
      if (left.isEmpty()) {
        break;
      }
      List<Long> patronis =
          left.stream()
              .filter(pid -> Processes.commandLineOf(pid).orElse("").contains("patroni"))
              .toList();
      Processes.signal("KILL", patronis.isEmpty() ? left : patronis);
      Processes.awaitExit(left, Duration.ofMillis(200));
    }
    if (Boolean.getBoolean(KEEP_DIRECTORY_PROPERTY)) {
      log.info("{} - kept {} ({} is set)", scope, baseDir, KEEP_DIRECTORY_PROPERTY);
    } else {
      deleteRecursively(baseDir);
    }
  }

  /** Every live process that belongs to this cluster, found by its command line. */
  List<Long> ownProcesses() {
    String dir = baseDir.toString();
    String title = "postgres: " + scope + ":";
    return Processes.matching(cmd -> cmd.contains(dir) || cmd.startsWith(title));
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.toString());
    }
  }

  /** Starts a cluster as configured; the builder's {@code start()}. */
  static LocalPatroniCluster start(ClusterSettings settings) {
    LocalPatroniCluster cluster;
    try {
      Binaries binaries = Binaries.locate();
      if (settings.patroni() != null) {
        binaries = binaries.withPatroni(settings.patroni());
      }
      if (settings.quorumCommit()) {
        Optional<String> why = binaries.whyNoQuorumCommit();
        if (why.isPresent()) {
          throw new IllegalStateException(why.get());
        }
      }
      cluster = new LocalPatroniCluster(settings, binaries);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      long started = System.nanoTime();
      cluster.startAll();
      log.info(
          "{} - {} members healthy after {} ms in {}",
          cluster.scope,
          settings.members(),
          (System.nanoTime() - started) / 1_000_000,
          cluster.baseDir);
      return cluster;
    } catch (IOException | RuntimeException e) {
      String logs =
          cluster.nodes.values().stream()
              .map(n -> "--- " + n.name + " ---\n" + n.logTail())
              .collect(Collectors.joining("\n"));
      cluster.close();
      throw new IllegalStateException("cluster did not start: " + e.getMessage() + "\n" + logs, e);
    }
  }
}
