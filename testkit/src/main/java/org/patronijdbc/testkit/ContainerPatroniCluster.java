package org.patronijdbc.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * A Patroni cluster of Docker containers, started with Testcontainers: one etcd and N members
 * (Patroni and PostgreSQL), each in its own container on a Docker network of the cluster's own, all
 * from one image built from testkit's Dockerfile on a Debian base image ({@code debian:bookworm}
 * unless the builder says otherwise; its packages come from Debian). Each member's PostgreSQL and
 * REST API are published on 127.0.0.1, and {@link #members()} and {@link #jdbcUrl} name those
 * addresses. Patroni itself reports the members at their addresses on the cluster's network, which
 * patroni-jdbc then connects to: a Linux host reaches them.
 *
 * <pre>{@code
 * try (PatroniCluster cluster = PatroniCluster.builder().members(3).startInContainers()) {
 *   Member leader = cluster.leader();
 *   cluster.isolate(leader); // cut off from etcd and the other members; this JVM still reaches it
 *   cluster.awaitNewLeader(leader, Duration.ofSeconds(60));
 * }
 * }</pre>
 *
 * <p>Needs a Docker daemon Testcontainers finds; with no container registry, set {@code
 * TESTCONTAINERS_RYUK_DISABLED=true} ({@link #close()} and a shutdown hook remove everything it
 * started) and provide the base image locally. Every container carries the label {@value #LABEL}
 * with the cluster's scope.
 */
public final class ContainerPatroniCluster extends ClusterBase {

  /** The label every container of a cluster carries, with the cluster's scope as its value. */
  public static final String LABEL = "org.patronijdbc.testkit.scope";

  private static final Logger log = LoggerFactory.getLogger(PatroniCluster.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PG_PORT = 5432;
  private static final int REST_PORT = 8008;
  private static final String HOME = "/var/lib/postgresql";
  private static final String CONFIG = HOME + "/patroni.yml";
  private static final String PATRONI_LOG = HOME + "/patroni.log";

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration DOCKER_TIMEOUT = Duration.ofSeconds(60);
  private static final ExecutorService DOCKER_CALLS =
      Executors.newCachedThreadPool(
          task -> {
            Thread t = new Thread(task, "patroni-testkit-docker");
            t.setDaemon(true);
            return t;
          });

  /** How often the waits check that each member's Patroni still runs (one exec per member). */
  private static final Duration LIVENESS_EVERY = Duration.ofSeconds(2);

  private final String image;
  private final Network network;
  private final String networkId;
  private final String gateway;
  private final String subnet;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private GenericContainer<?> etcd;
  private int patroniMajor;
  private boolean closed;
  private long livenessCheckedAt;

  /** One member's container and the faults it is under. */
  private static final class Node {
    final String name;
    final GenericContainer<?> container;
    final String ip;
    Map<String, Object> config;

    /** Patroni's PID in the container (signals go to it alone, not to its pg_ctl helper). */
    String patroniPid;

    boolean stopped = true;
    boolean paused;
    boolean processesStopped;
    boolean cutOff;

    Node(String name, GenericContainer<?> container, String ip) {
      this.name = name;
      this.container = container;
      this.ip = ip;
    }

    int pgPort() {
      return container.getMappedPort(PG_PORT);
    }

    int restPort() {
      return container.getMappedPort(REST_PORT);
    }

    String restUrl() {
      return "http://127.0.0.1:" + restPort();
    }

    boolean impaired() {
      return paused || processesStopped || cutOff;
    }
  }

  private ContainerPatroniCluster(ClusterSettings settings, String image) {
    super(settings, "testkit-" + UUID.randomUUID().toString().substring(0, 8));
    this.image = image;
    this.network =
        Network.builder()
            .createNetworkCmdModifier(cmd -> cmd.withLabels(Map.of(LABEL, scope)))
            .build();
    this.networkId = network.getId(); // creates it (a closed Network would create another)
    var ipam =
        docker().inspectNetworkCmd().withNetworkId(networkId).exec().getIpam().getConfig().get(0);
    this.gateway = ipam.getGateway();
    this.subnet = ipam.getSubnet();
  }

  // ---------------------------------------------------------------- queries

  @Override
  List<String> postgresAddresses() {
    return nodes.values().stream().map(n -> "127.0.0.1:" + n.pgPort()).toList();
  }

  @Override
  List<String> restUrls() {
    return nodes.values().stream().map(Node::restUrl).toList();
  }

  /**
   * Patroni reports the members at their addresses on the cluster's network, which the URL (the
   * published 127.0.0.1 ports) does not list: {@code memberHosts} allows that network.
   */
  @Override
  List<String> restParameters() {
    return List.of("memberHosts=" + subnet);
  }

  /** The address of the member's container on the cluster's network, as Patroni reports it. */
  public String networkAddress(Member member) {
    return node(member).ip;
  }

  /** The id of the cluster's Docker network. */
  String networkId() {
    return networkId;
  }

  // ---------------------------------------------------------------- actions

  @Override
  public void crash(Member member) {
    if (exec(running(member), "pkill", "-KILL", "-x", "postgres").getExitCode() != 0) {
      throw new IllegalStateException(member.name() + " has no running PostgreSQL to crash");
    }
    log.info("{} - crashed PostgreSQL of {}", scope, member.name());
  }

  /** {@code docker pause}: every process of the member's container stops (cgroup freezer). */
  @Override
  public void freeze(Member member) {
    Node node = running(member);
    if (!node.paused) {
      bounded(
          node.name + ": docker pause",
          () -> docker().pauseContainerCmd(node.container.getContainerId()).exec());
      node.paused = true;
    }
    log.info("{} - froze {} (docker pause)", scope, member.name());
  }

  @Override
  public void thaw(Member member) {
    thaw(node(member));
    log.info("{} - thawed {}", scope, member.name());
  }

  private void thaw(Node node) {
    if (node.paused) {
      bounded(
          node.name + ": docker unpause",
          () -> docker().unpauseContainerCmd(node.container.getContainerId()).exec());
      node.paused = false;
    }
    if (node.processesStopped) {
      exec(node, "pkill", "-CONT", "-x", "postgres");
      signalPatroni(node, "CONT");
      node.processesStopped = false;
    }
  }

  @Override
  public void freezePatroni(Member member) {
    Node node = running(member);
    signalPatroni(node, "STOP");
    node.processesStopped = true;
    log.info("{} - froze Patroni of {}", scope, member.name());
  }

  @Override
  public void pauseReplication(Member replica) {
    Node node = running(replica);
    if (exec(node, "pkill", "-STOP", "-f", "walreceiver").getExitCode() != 0) {
      throw new IllegalStateException(
          replica.name() + " has no walreceiver: is it a streaming replica?");
    }
    node.processesStopped = true;
    log.info("{} - paused replication to {}", scope, replica.name());
  }

  @Override
  public synchronized void setTag(Member member, String key, Object value) {
    Node node = notPaused(node(member));
    @SuppressWarnings("unchecked")
    Map<String, Object> tags =
        new LinkedHashMap<>((Map<String, Object>) node.config.getOrDefault("tags", Map.of()));
    if (value == null) {
      tags.remove(key);
    } else {
      tags.put(key, value);
    }
    node.config.put("tags", tags);
    writeConfig(node);
    if (!node.stopped) {
      signalPatroni(node, "HUP");
    }
    log.info("{} - tag {}={} on {}", scope, key, value, member.name());
  }

  @Override
  public void stop(Member member) {
    stop(node(member));
    log.info("{} - stopped {}", scope, member.name());
  }

  private void stop(Node node) {
    if (node.stopped) {
      return;
    }
    thaw(node);
    signalPatroni(node, "TERM");
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    while (patroniAlive(node) || exec(node, "pgrep", "-x", "postgres").getExitCode() == 0) {
      if (System.nanoTime() > deadline) {
        signalPatroni(node, "KILL");
        exec(node, "pkill", "-KILL", "-x", "postgres");
        break;
      }
      Processes.sleep(Duration.ofMillis(200));
    }
    node.stopped = true;
  }

  @Override
  public void start(Member member) {
    startPatroni(node(member));
    log.info("{} - started {}", scope, member.name());
  }

  @Override
  public Member addMember() {
    Node node = newNode();
    startPatroni(node);
    log.info("{} - added {}", scope, node.name);
    awaitHealthy(START_TIMEOUT);
    return member(node.name);
  }

  /**
   * Drops every packet between the member and etcd or any other member (iptables in the member's
   * container), both ways. Packets from and to this JVM pass: they come through the network's
   * gateway.
   */
  @Override
  public void isolate(Member member) {
    Node node = notPaused(node(member));
    List<String> peers = new ArrayList<>();
    peers.add(etcdAddress());
    nodes.values().stream().filter(n -> n != node).forEach(n -> peers.add(n.ip));
    drop(node, peers);
    log.info("{} - isolated {} from etcd and the other members", scope, member.name());
  }

  /** Drops every packet between the member and the network's gateway, which this JVM is behind. */
  @Override
  public void partitionFromClient(Member member) {
    drop(notPaused(node(member)), List.of(gateway));
    log.info("{} - partitioned {} from this JVM", scope, member.name());
  }

  @Override
  public void heal(Member member) {
    heal(node(member));
    log.info("{} - healed {}", scope, member.name());
  }

  private void heal(Node node) {
    if (node.cutOff) {
      notPaused(node);
      // only the filter table: Docker's DNS rules live in the container's nat table
      iptables(node, "iptables -F INPUT && iptables -F OUTPUT");
      node.cutOff = false;
    }
  }

  private void drop(Node node, List<String> addresses) {
    String rules =
        addresses.stream()
            .map(
                a ->
                    "iptables -I INPUT -s "
                        + a
                        + " -j DROP && iptables -I OUTPUT -d "
                        + a
                        + " -j DROP")
            .collect(Collectors.joining(" && "));
    iptables(node, rules);
    node.cutOff = true;
  }

  private void iptables(Node node, String commands) {
    ExecResult result = exec(node, "sh", "-c", commands);
    if (result.getExitCode() != 0) {
      throw new IllegalStateException(
          node.name + ": iptables failed (" + result.getExitCode() + "): " + result.getStderr());
    }
  }

  @Override
  public void restoreHealth(Duration timeout) {
    for (Node node : nodes.values()) {
      thaw(node); // first: nothing can be run in a paused container
      heal(node);
      if (node.stopped) {
        startPatroni(node);
      }
    }
    awaitHealthy(timeout);
  }

  @Override
  public String toString() {
    return "ContainerPatroniCluster[" + scope + ", " + nodes.size() + " members, " + image + "]";
  }

  // ---------------------------------------------------------------- internals

  @Override
  Optional<List<Member>> view() {
    return nodes.values().stream()
        .sorted(Comparator.comparing(n -> n.impaired() || n.stopped))
        .map(n -> rest.cluster(n.restUrl()))
        .flatMap(Optional::stream)
        .findFirst()
        .map(members -> members.stream().map(this::published).toList());
  }

  /** The member with the addresses this JVM reaches it at (its ports published on 127.0.0.1). */
  private Member published(Member m) {
    Node node = nodes.get(m.name());
    if (node == null) {
      return m;
    }
    return new Member(
        m.name(),
        "127.0.0.1",
        node.pgPort(),
        node.restPort(),
        node.restUrl(),
        m.role(),
        m.state(),
        m.timeline(),
        m.lag(),
        m.tags());
  }

  @Override
  Set<String> memberNames() {
    return nodes.keySet();
  }

  @Override
  boolean isStopped(String member) {
    return nodes.get(member) == null || nodes.get(member).stopped;
  }

  @Override
  boolean isImpaired(String member) {
    return nodes.get(member) != null && nodes.get(member).impaired();
  }

  /**
   * The container of every member runs, and so does its Patroni: checked every 2 s, since each
   * check is a Docker call per member and the waits poll every 100 to 200 ms.
   */
  @Override
  void failIfAMemberDied() {
    if (System.nanoTime() - livenessCheckedAt < LIVENESS_EVERY.toNanos()) {
      return;
    }
    for (Node node : nodes.values()) {
      if (node.paused) {
        continue;
      }
      if (!node.container.isRunning()) {
        throw new IllegalStateException(scope + ": the container of " + node.name + " is gone");
      }
      if (!node.stopped && !node.processesStopped && !patroniAlive(node)) {
        throw new IllegalStateException(
            scope + ": " + node.name + ": Patroni exited; log tail:\n" + logTail(node.name));
      }
    }
    livenessCheckedAt = System.nanoTime();
  }

  @Override
  String logTail(String member) {
    Node node = nodes.get(member);
    if (node == null || node.paused) {
      return "(no log)";
    }
    try {
      return exec(node, "tail", "-n", "30", PATRONI_LOG).getStdout();
    } catch (RuntimeException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void startAll() {
    closeOnExit();
    etcd =
        container("etcd")
            .withCommand(
                "etcd",
                "--name=etcd0",
                "--data-dir=/tmp/etcd",
                "--listen-client-urls=http://0.0.0.0:2379",
                "--advertise-client-urls=http://etcd:2379",
                "--listen-peer-urls=http://127.0.0.1:2380",
                "--initial-advertise-peer-urls=http://127.0.0.1:2380",
                "--initial-cluster=etcd0=http://127.0.0.1:2380",
                "--initial-cluster-token=" + scope,
                "--enable-v2=true")
            .waitingFor(Wait.forLogMessage(".*ready to serve client requests.*", 1));
    etcd.start();
    for (int i = 0; i < settings.members(); i++) {
      newNode();
    }
    String version = exec(nodes.values().iterator().next(), "patroni", "--version").getStdout();
    patroniMajor = Integer.parseInt(version.replaceAll("[^0-9.]", "").split("\\.")[0]);
    if (settings.quorumCommit() && patroniMajor < 4) {
      throw new IllegalStateException(
          "quorum commit needs Patroni 4 or later; the image has " + version.trim());
    }
    nodes.values().forEach(this::writeConfig);
    // The first member bootstraps (initdb) and takes the leader lock; the others then clone it.
    Node first = nodes.values().iterator().next();
    startPatroni(first);
    awaitLeader(m -> m.name().equals(first.name), first.name, START_TIMEOUT);
    nodes.values().forEach(this::startPatroni);
    awaitHealthy(START_TIMEOUT);
  }

  private Node newNode() {
    String name = "n" + (nodes.size() + 1);
    GenericContainer<?> container =
        container(name)
            .withExposedPorts(PG_PORT, REST_PORT)
            .withCommand("sleep", "infinity")
            .withCreateContainerCmdModifier(
                cmd ->
                    cmd.getHostConfig()
                        .withCapAdd(Capability.NET_ADMIN)
                        .withPortBindings(localhost(PG_PORT), localhost(REST_PORT)));
    container.start();
    String ip =
        container
            .getContainerInfo()
            .getNetworkSettings()
            .getNetworks()
            .values()
            .iterator()
            .next()
            .getIpAddress();
    Node node = new Node(name, container, ip);
    nodes.put(name, node);
    if (patroniMajor > 0) {
      writeConfig(node);
    }
    return node;
  }

  /** A container of this cluster's image, on its network, labelled, with an init process. */
  private GenericContainer<?> container(String name) {
    GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image));
    return container
        .withNetwork(network)
        .withNetworkAliases(name)
        .withLabel(LABEL, scope)
        .withCreateContainerCmdModifier(
            cmd -> {
              cmd.withHostName(name).withName(scope + "-" + name);
              cmd.getHostConfig().withInit(true);
            })
        .waitingFor(Wait.forSuccessfulCommand("true"));
  }

  private static PortBinding localhost(int port) {
    return new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(port));
  }

  private void writeConfig(Node node) {
    if (node.config == null) {
      MemberConfig.Layout layout =
          new MemberConfig.Layout(
              "0.0.0.0",
              node.ip,
              PG_PORT,
              REST_PORT,
              "0.0.0.0/0", // the cluster's own network, and this JVM behind its gateway
              HOME + "/data",
              "/usr/lib/postgresql/testkit-bin",
              HOME,
              "etcd:2379",
              patroniMajor,
              null);
      node.config = MemberConfig.render(settings, scope, node.name, layout);
    }
    try {
      node.container.copyFileToContainer(
          Transferable.of(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node.config)),
          CONFIG);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private synchronized void startPatroni(Node node) {
    if (!node.stopped) {
      return;
    }
    ExecResult result =
        execAs(
            node,
            "postgres",
            "sh",
            "-c",
            "nohup /usr/bin/patroni "
                + CONFIG
                + " >>"
                + PATRONI_LOG
                + " 2>&1 </dev/null & echo $!");
    if (result.getExitCode() != 0 || !result.getStdout().trim().matches("\\d+")) {
      throw new IllegalStateException(node.name + ": Patroni did not start: " + result);
    }
    node.patroniPid = result.getStdout().trim();
    node.stopped = false;
  }

  private String etcdAddress() {
    return etcd.getContainerInfo()
        .getNetworkSettings()
        .getNetworks()
        .values()
        .iterator()
        .next()
        .getIpAddress();
  }

  private Node node(Member member) {
    Node node = nodes.get(member.name());
    if (node == null) {
      throw new IllegalArgumentException(member.name() + " is not a member of " + scope);
    }
    return node;
  }

  private Node running(Member member) {
    Node node = notPaused(node(member));
    if (node.stopped) {
      throw new IllegalStateException(member.name() + " is stopped; start it first");
    }
    return node;
  }

  /** Docker runs nothing in a paused container: a fault that needs to, asks for a thaw first. */
  private static Node notPaused(Node node) {
    if (node.paused) {
      throw new IllegalStateException(node.name + " is frozen (docker pause); thaw it first");
    }
    return node;
  }

  private static void signalPatroni(Node node, String signal) {
    if (node.patroniPid != null) {
      exec(node, "kill", "-" + signal, node.patroniPid);
    }
  }

  private static boolean patroniAlive(Node node) {
    return node.patroniPid != null && exec(node, "kill", "-0", node.patroniPid).getExitCode() == 0;
  }

  private static ExecResult exec(Node node, String... command) {
    return execAs(node, "root", command);
  }

  private static ExecResult execAs(Node node, String user, String... command) {
    return bounded(
        node.name + ": " + String.join(" ", command),
        () -> node.container.execInContainerWithUser(user, command));
  }

  /**
   * Runs one Docker call and gives up after {@link #DOCKER_TIMEOUT}: Testcontainers sets no timeout
   * on exec, pause or unpause, and a daemon that does not answer must fail the fault, not hang the
   * test run (the call's thread is left to the daemon).
   */
  private static <T> T bounded(String what, Callable<T> call) {
    Future<T> result = DOCKER_CALLS.submit(call);
    try {
      return result.get(DOCKER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      result.cancel(true);
      throw new IllegalStateException(what + ": Docker did not answer in " + DOCKER_TIMEOUT, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw new IllegalStateException(what + ": " + cause, cause);
    } catch (InterruptedException e) {
      result.cancel(true);
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + ": interrupted", e);
    }
  }

  private static DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  @Override
  synchronized void destroy() {
    if (closed) {
      return;
    }
    closed = true;
    Stream.concat(
            new ArrayList<>(nodes.values()).stream().map(n -> n.container), Stream.ofNullable(etcd))
        .forEach(
            c -> {
              try {
                c.stop(); // kill and remove, paused or not
              } catch (RuntimeException e) {
                log.warn("{} - could not remove {}: {}", scope, c.getContainerName(), e.toString());
              }
            });
    try {
      network.close();
    } catch (RuntimeException e) {
      log.warn("{} - could not remove network {}: {}", scope, networkId, e.toString());
    }
  }

  /**
   * The image every container runs: testkit's Dockerfile on {@code baseImage}, built once and then
   * found by its name, which is a digest of the Dockerfile it was built from.
   */
  static String image(String baseImage) {
    String dockerfile;
    try (InputStream in = ContainerPatroniCluster.class.getResourceAsStream("Dockerfile")) {
      dockerfile = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    dockerfile = dockerfile.replaceFirst("(?m)^FROM .*$", "FROM " + baseImage);
    String name = "patroni-jdbc-testkit:" + digest(dockerfile);
    if (!docker().listImagesCmd().withImageNameFilter(name).exec().isEmpty()) {
      return name;
    }
    long started = System.nanoTime();
    new ImageFromDockerfile(name, false).withFileFromString("Dockerfile", dockerfile).get();
    log.info("built {} in {} ms", name, (System.nanoTime() - started) / 1_000_000);
    return name;
  }

  private static String digest(String text) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts a cluster as configured; the builder's {@code startInContainers()}. */
  static ContainerPatroniCluster start(ClusterSettings settings, String baseImage) {
    if (settings.restTls()) {
      throw new IllegalArgumentException("restApiTls() is not supported by the container cluster");
    }
    if (settings.patroni() != null) {
      throw new IllegalArgumentException(
          "patroni(Path) does not apply to containers: their Patroni is the base image's package");
    }
    long started = System.nanoTime();
    ContainerPatroniCluster cluster = new ContainerPatroniCluster(settings, image(baseImage));
    boolean ok = false;
    try {
      cluster.startAll();
      ok = true;
      log.info(
          "{} - {} members healthy after {} ms in containers of {}",
          cluster.scope,
          settings.members(),
          (System.nanoTime() - started) / 1_000_000,
          cluster.image);
      return cluster;
    } catch (RuntimeException e) {
      String logs =
          cluster.nodes.values().stream()
              .map(n -> "--- " + n.name + " ---\n" + cluster.logTail(n.name))
              .collect(Collectors.joining("\n"));
      throw new IllegalStateException("cluster did not start: " + e.getMessage() + "\n" + logs, e);
    } finally {
      if (!ok) {
        cluster.close();
      }
    }
  }
}
