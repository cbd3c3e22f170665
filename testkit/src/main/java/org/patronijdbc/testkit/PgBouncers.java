package org.patronijdbc.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A PgBouncer beside each member of a {@link LocalPatroniCluster} (Debian's {@code pgbouncer}
 * package), on 127.0.0.1 at a port of its own, pointing at its member's PostgreSQL: the set-up the
 * Patroni guides recommend to keep the connection count sane. {@link #memberAddresses()} is the
 * {@code memberAddresses} value that sends patroni-jdbc through them. Closing stops them.
 */
public final class PgBouncers implements AutoCloseable {

  private static final String BINARY = "/usr/sbin/pgbouncer";

  private final Map<String, Integer> ports = new LinkedHashMap<>();
  private final List<Process> processes = new ArrayList<>();
  private final Path dir;

  private PgBouncers(Path dir) {
    this.dir = dir;
  }

  /**
   * Starts one PgBouncer per member of {@code cluster}, in {@code poolMode} ({@code session} or
   * {@code transaction}), each ready when this returns.
   *
   * @throws IllegalStateException when {@code pgbouncer} is not installed
   */
  public static PgBouncers start(LocalPatroniCluster cluster, String poolMode) {
    if (!Files.isExecutable(Path.of(BINARY))) {
      throw new IllegalStateException(BINARY + " is missing: apt-get install -y pgbouncer");
    }
    Path dir = cluster.directory().resolve("pgbouncer-" + poolMode);
    PgBouncers bouncers = new PgBouncers(dir);
    try {
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve("userlist.txt"),
          "\"" + PatroniCluster.SUPERUSER + "\" \"" + PatroniCluster.PASSWORD + "\"\n");
      for (Member m : cluster.members()) {
        int port = freePort();
        bouncers.ports.put(m.name(), port);
        Path ini = dir.resolve(m.name() + ".ini");
        Files.writeString(ini, config(m, port, poolMode, dir));
      }
      Processes.handOver(dir);
      for (Member m : cluster.members()) {
        bouncers.processes.add(
            Processes.spawn(
                List.of(BINARY, dir.resolve(m.name() + ".ini").toString()),
                dir,
                dir.resolve(m.name() + ".out")));
      }
      for (Member m : cluster.members()) {
        bouncers.awaitReady(m);
      }
      return bouncers;
    } catch (IOException e) {
      bouncers.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      bouncers.close();
      throw e;
    }
  }

  private static String config(Member m, int port, String poolMode, Path dir) {
    return String.join(
        "\n",
        "[databases]",
        "* = host=" + m.host() + " port=" + m.pgPort(),
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        "listen_port = " + port,
        "unix_socket_dir =",
        "auth_type = plain",
        "auth_file = " + dir.resolve("userlist.txt"),
        "admin_users = " + PatroniCluster.SUPERUSER,
        "pool_mode = " + poolMode,
        "max_client_conn = 500",
        "default_pool_size = 50",
        "server_login_retry = 1",
        "ignore_startup_parameters = extra_float_digits",
        "logfile = " + dir.resolve(m.name() + ".log"),
        "pidfile = " + dir.resolve(m.name() + ".pid"),
        "");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** {@code host:port} of the PgBouncer beside {@code member}. */
  public String address(Member member) {
    return "127.0.0.1:" + ports.get(member.name());
  }

  /** {@code n1=127.0.0.1:6001,...}: the {@code memberAddresses} value for these PgBouncers. */
  public String memberAddresses() {
    List<String> pairs = new ArrayList<>();
    ports.forEach((member, port) -> pairs.add(member + "=127.0.0.1:" + port));
    return String.join(",", pairs);
  }

  /** The PgBouncers' addresses, comma-separated, for a URL's host list. */
  public String hosts() {
    List<String> hosts = new ArrayList<>();
    ports.values().forEach(port -> hosts.add("127.0.0.1:" + port));
    return String.join(",", hosts);
  }

  /**
   * PIDs of the server backends the PgBouncer beside {@code member} holds ({@code SHOW SERVERS}).
   */
  public List<Long> serverPids(Member member) {
    List<Long> pids = new ArrayList<>();
    for (Map<String, String> row : admin(member, "SHOW SERVERS")) {
      pids.add(Long.parseLong(row.get("remote_pid")));
    }
    return pids;
  }

  /** How many clients the PgBouncer beside {@code member} serves now, this query's own left out. */
  public int clients(Member member) {
    int clients = 0;
    for (Map<String, String> row : admin(member, "SHOW CLIENTS")) {
      clients += "pgbouncer".equals(row.get("database")) ? 0 : 1;
    }
    return clients;
  }

  /**
   * Runs {@code command} on the admin console of the PgBouncer beside {@code member}, through psql:
   * the console refuses the startup parameters pgjdbc sends ({@code extra_float_digits}).
   */
  private List<Map<String, String>> admin(Member member, String command) {
    ProcessBuilder pb =
        new ProcessBuilder(
            "psql",
            "-X",
            "-A",
            "-F",
            "\t",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            command,
            "host=127.0.0.1 port="
                + ports.get(member.name())
                + " user="
                + PatroniCluster.SUPERUSER
                + " dbname=pgbouncer sslmode=disable connect_timeout=5");
    pb.environment().put("PGPASSWORD", PatroniCluster.PASSWORD);
    pb.redirectErrorStream(true);
    try {
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(
            command + " on the PgBouncer beside " + member.name() + ": " + out);
      }
      List<String> lines = new ArrayList<>(List.of(out.split("\n")));
      lines.removeIf(l -> l.isEmpty() || l.matches("\\(\\d+ rows?\\)"));
      List<Map<String, String>> rows = new ArrayList<>();
      if (lines.isEmpty()) {
        return rows;
      }
      String[] header = lines.get(0).split("\t", -1);
      for (String line : lines.subList(1, lines.size())) {
        String[] cells = line.split("\t", -1);
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < header.length && i < cells.length; i++) {
          row.put(header[i], cells[i]);
        }
        rows.add(row);
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitReady(Member member) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        admin(member, "SHOW VERSION");
        return;
      } catch (RuntimeException e) {
        last = e;
        Processes.sleep(Duration.ofMillis(100));
      }
    }
    throw new IllegalStateException(
        "the PgBouncer beside " + member.name() + " did not start; see " + dir, last);
  }

  /** Stops every PgBouncer. */
  @Override
  public void close() {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }
}
