package org.patronijdbc.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  /** Writes this member's Patroni configuration. */
  void writeConfig(ClusterSettings settings, String scope, int etcdPort, Binaries binaries)
      throws IOException {
    Files.createDirectories(dir);
    MemberConfig.Layout layout =
        new MemberConfig.Layout(
            "127.0.0.1",
            "127.0.0.1",
            pgPort,
            restPort,
            "127.0.0.1/32",
            dir.resolve("data").toString(),
            binaries.postgresBinDir().toString(),
            dir.toString(),
            "127.0.0.1:" + etcdPort,
            binaries.patroniMajor(),
            tls);
    JSON.writerWithDefaultPrettyPrinter()
        .writeValue(config.toFile(), MemberConfig.render(settings, scope, name, layout));
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
