package org.patronijdbc.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One Patroni member's directory, configuration and processes, and the faults it can suffer. */
final class MemberNode {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  final String name;
  final int pgPort;
  final int restPort;
  final Path dir;
  private final Path config;
  private Process patroni;
  private boolean stopped = true;
  private final List<Long> frozen = new ArrayList<>();
  private final RestTls tls;

  MemberNode(String name, int pgPort, int restPort, Path dir, RestTls tls) {
    this.tls = tls;
    this.name = name;
    this.pgPort = pgPort;
    this.restPort = restPort;
    this.dir = dir;
    this.config = dir.resolve("patroni.yml");
  }

  String restUrl() {
    return (tls == null ? "http" : "https") + "://127.0.0.1:" + restPort;
  }

  /**
   * Writes this member's Patroni configuration. JSON is valid YAML, so Jackson writes it and no
   * value ever needs YAML quoting.
   */
  void writeConfig(ClusterSettings settings, String scope, int etcdPort, Binaries binaries)
      throws IOException {
    Files.createDirectories(dir);
    Map<String, Object> dcsPostgres = new LinkedHashMap<>();
    dcsPostgres.put("use_pg_rewind", true);
    dcsPostgres.put("parameters", settings.postgresParameters());
    Map<String, Object> dcs = new LinkedHashMap<>();
    dcs.put("ttl", settings.ttl());
    dcs.put("loop_wait", settings.loopWait());
    dcs.put("retry_timeout", settings.retryTimeout());
    // Under quorum commit Patroni's default synchronous_node_count (1) is kept on purpose: every
    // caught-up replica becomes a quorum standby and a commit waits for ANY 1 of them, the shape
    // Patroni's docs describe; more would make each commit wait for every replica of a 3-member
    // cluster.
    dcs.put("synchronous_mode", settings.synchronousModeSetting());
    dcs.put("primary_start_timeout", settings.primaryStartTimeout());
    dcs.put("postgresql", dcsPostgres);

    Map<String, Object> bootstrap = new LinkedHashMap<>();
    bootstrap.put("dcs", dcs);
    bootstrap.put("initdb", List.of(Map.of("encoding", "UTF8"), Map.of("auth", "md5")));
    bootstrap.put(
        "pg_hba",
        List.of(
            "local all all trust",
            "host replication " + PatroniCluster.REPLICATION_USER + " 127.0.0.1/32 md5",
            "host all all 127.0.0.1/32 md5"));

    Map<String, Object> postgresql = new LinkedHashMap<>();
    postgresql.put("listen", "127.0.0.1:" + pgPort);
    postgresql.put("connect_address", "127.0.0.1:" + pgPort);
    postgresql.put("data_dir", dir.resolve("data").toString());
    postgresql.put("bin_dir", binaries.postgresBinDir().toString());
    postgresql.put("pgpass", dir.resolve("pgpass").toString());
    postgresql.put(
        "authentication",
        Map.of(
            "superuser",
                Map.of("username", PatroniCluster.SUPERUSER, "password", PatroniCluster.PASSWORD),
            "replication",
                Map.of(
                    "username",
                    PatroniCluster.REPLICATION_USER,
                    "password",
                    PatroniCluster.PASSWORD),
            "rewind",
                Map.of(
                    "username", PatroniCluster.REWIND_USER, "password", PatroniCluster.PASSWORD)));
    postgresql.put("parameters", Map.of("unix_socket_directories", dir.toString()));

    Map<String, Object> root = new LinkedHashMap<>();
    root.put("scope", scope);
    root.put("name", name);
    Map<String, Object> restapi = new LinkedHashMap<>();
    restapi.put("listen", "127.0.0.1:" + restPort);
    restapi.put("connect_address", "127.0.0.1:" + restPort);
    if (tls != null) {
      // the same certificate serves the API and, as Patroni's client certificate, calls the others
      restapi.put("certfile", tls.serverCert.toString());
      restapi.put("keyfile", tls.serverKey.toString());
      restapi.put("cafile", tls.ca.toString());
      restapi.put("verify_client", "required");
    }
    root.put("restapi", restapi);
    // Patroni 3 on etcd's v2 API, not etcd3: Patroni 3.0.2 (Debian 12) renews the leader key over
    // etcd3 with an unconditional put, so a leader thawed after its lease expired can take the key
    // back from the new leader (patroni/patroni#2689, fixed in 3.0.3). Over v2 the renewal compares
    // the value. Patroni 4 uses etcd3, as its users do.
    root.put(
        binaries.patroniMajor() >= 4 ? "etcd3" : "etcd", Map.of("hosts", "127.0.0.1:" + etcdPort));
    root.put("bootstrap", bootstrap);
    root.put("postgresql", postgresql);
    root.put("tags", settings.tagsOf(name));
    JSON.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), root);
  }

  synchronized void start(Binaries binaries) throws IOException {
    if (!stopped) {
      return;
    }
    Processes.handOver(dir);
    patroni =
        Processes.spawn(
            List.of(binaries.patroni().toString(), config.toString()),
            dir,
            dir.resolve("patroni.log"));
    stopped = false;
  }

  /** Graceful stop: Patroni shuts PostgreSQL down (handing over leadership) and exits. */
  synchronized void stop() {
    if (stopped) {
      return;
    }
    thaw();
    List<Long> postgres = postgresPids();
    patroni.destroy(); // SIGTERM
    if (!Processes.awaitExit(List.of(patroni.pid()), STOP_TIMEOUT)) {
      patroni.destroyForcibly();
    }
    if (!Processes.awaitExit(postgres, STOP_TIMEOUT)) {
      Processes.signal("KILL", postgres);
    }
    stopped = true;
  }

  /**
   * SIGKILL of the postmaster and of every process it had: PostgreSQL crashes, Patroni lives on and
   * reacts. Killing only the postmaster is not enough here: an orphaned idle backend can outlive it
   * and hold the shared memory, and PostgreSQL then refuses to start again ("pre-existing shared
   * memory block is still in use") until it exits.
   */
  synchronized void crashPostgres() {
    List<Long> postgres = postgresPids();
    if (postgres.isEmpty()) {
      throw new IllegalStateException(name + " has no running PostgreSQL to crash");
    }
    Processes.signal("KILL", postgres);
  }

  /**
   * SIGSTOP of Patroni and, when {@code withPostgres}, of every PostgreSQL process: a hung host.
   */
  synchronized void freeze(boolean withPostgres) {
    if (stopped) {
      throw new IllegalStateException(name + " is stopped; start it before freezing it");
    }
    List<Long> pids = new ArrayList<>();
    pids.add(patroni.pid());
    if (withPostgres) {
      pids.addAll(postgresPids());
    }
    pids.removeAll(frozen);
    Processes.signal("STOP", pids);
    frozen.addAll(pids);
  }

  /**
   * Sets ({@code value} not null) or removes one Patroni tag in this member's configuration and
   * makes Patroni reload it (SIGHUP), as an operator would.
   */
  synchronized void setTag(String key, Object value) throws IOException {
    com.fasterxml.jackson.databind.node.ObjectNode root =
        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(config.toFile());
    com.fasterxml.jackson.databind.node.ObjectNode tags = root.withObject("/tags");
    if (value == null) {
      tags.remove(key);
    } else {
      tags.set(key, JSON.valueToTree(value));
    }
    JSON.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), root);
    if (!stopped) {
      Processes.signal("HUP", List.of(patroni.pid()));
    }
  }

  /** SIGSTOP of the walreceiver: the member stops receiving WAL, Patroni sees its lag grow. */
  synchronized void pauseReplication() {
    List<Long> receivers =
        postgresPids().stream()
            .filter(pid -> Processes.commandLineOf(pid).orElse("").contains("walreceiver"))
            .filter(pid -> !frozen.contains(pid))
            .toList();
    if (receivers.isEmpty()) {
      throw new IllegalStateException(name + " has no walreceiver: is it a streaming replica?");
    }
    Processes.signal("STOP", receivers);
    frozen.addAll(receivers);
  }

  /** SIGCONT of everything {@link #freeze} stopped, PostgreSQL before Patroni. */
  synchronized void thaw() {
    List<Long> reversed = new ArrayList<>(frozen);
    java.util.Collections.reverse(reversed);
    Processes.signal("CONT", reversed);
    frozen.clear();
  }

  synchronized boolean isFrozen() {
    return !frozen.isEmpty();
  }

  synchronized boolean isStopped() {
    return stopped;
  }

  /** Whether the Patroni process exited by itself (it should not, while not stopped). */
  synchronized Optional<String> deathNotice() {
    if (stopped || patroni.isAlive()) {
      return Optional.empty();
    }
    return Optional.of(
        name + ": patroni exited with " + patroni.exitValue() + "; log tail:\n" + logTail());
  }

  /** The postmaster and its children, from the PID file PostgreSQL keeps in its data directory. */
  List<Long> postgresPids() {
    return postmasterPid().map(Processes::withDescendants).orElse(List.of());
  }

  private Optional<Long> postmasterPid() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("data/postmaster.pid"));
      long pid = Long.parseLong(lines.get(0).trim());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> pid);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("patroni.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
