package org.patronijdbc.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToIntFunction;
import org.patronijdbc.testkit.Member;

/**
 * Debian's HAProxy on 127.0.0.1 configured as the background documents do: a write listener
 * checking Patroni's {@code /primary}, a read listener checking {@code /replica?lag=10MB} with the
 * {@code nbsrv(...) eq 0} fallback to the leader, {@code inter 3s fall 3 rise 2 on-marked-down
 * shutdown-sessions}.
 */
final class Haproxy implements AutoCloseable {

  final int writePort;
  final int readPort;
  private final Process process;

  private Haproxy(int writePort, int readPort, Process process) {
    this.writePort = writePort;
    this.readPort = readPort;
    this.process = process;
  }

  static Haproxy start(List<Member> members, Path dir) throws IOException, InterruptedException {
    return start(members, Member::restPort, dir);
  }

  /** As {@link #start(List, Path)}, health-checking each member on {@code checkPort} instead. */
  static Haproxy start(List<Member> members, ToIntFunction<Member> checkPort, Path dir)
      throws IOException, InterruptedException {
    int writePort = freePort();
    int readPort = freePort();
    StringBuilder servers = new StringBuilder();
    for (Member m : members) {
      servers.append(
          String.format(
              "    server %s %s:%d maxconn 100 check port %d%n",
              m.name(), m.host(), m.pgPort(), checkPort.applyAsInt(m)));
    }
    String checks =
        "    http-check expect status 200\n"
            + "    default-server inter 3s fall 3 rise 2 on-marked-down shutdown-sessions\n";
    String config =
        "global\n    maxconn 2000\n\ndefaults\n    mode tcp\n    timeout connect 5s\n"
            + "    timeout client 30m\n    timeout server 30m\n\n"
            + "listen pg_write\n    bind 127.0.0.1:"
            + writePort
            + "\n    option httpchk GET /primary\n"
            + checks
            + servers
            + "\nlisten pg_read\n    bind 127.0.0.1:"
            + readPort
            + "\n    option httpchk GET /replica?lag="
            + Scenario.LAG_LIMIT
            + "\n"
            + checks
            + "    use_backend pg_read_leader if { nbsrv(pg_read) eq 0 }\n"
            + servers
            + "\nbackend pg_read_leader\n    option httpchk GET /primary\n"
            + checks
            + servers;
    Files.createDirectories(dir);
    Path file = Files.writeString(dir.resolve("haproxy.cfg"), config);
    Process process =
        new ProcessBuilder("haproxy", "-db", "-f", file.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("haproxy.log").toFile())
            .start();
    for (int i = 0; i < 100 && !listening(writePort); i++) {
      if (!process.isAlive()) {
        throw new IOException("haproxy exited: " + Files.readString(dir.resolve("haproxy.log")));
      }
      Thread.sleep(50);
    }
    // let the first health checks mark the servers up (rise 2 at inter 3s would take 6 s, but a
    // server starts up and is only marked down after fall 3 failures)
    Thread.sleep(1000);
    return new Haproxy(writePort, readPort, process);
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
  }
}
