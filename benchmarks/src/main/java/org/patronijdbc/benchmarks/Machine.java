package org.patronijdbc.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;

/** One line describing the machine and the software versions a run measured. */
final class Machine {

  private Machine() {}

  static String describe(PatroniCluster cluster) {
    Member leader = cluster.leader();
    return String.join(
        ", ",
        Runtime.getRuntime().availableProcessors()
            + " cores ("
            + first("/proc/cpuinfo", "model name\\s*:\\s*(.+)").orElse("unknown CPU")
            + ")",
        first("/proc/meminfo", "MemTotal:\\s*(\\d+) kB")
                .map(kb -> Long.parseLong(kb) / 1024 / 1024 + " GiB")
                .orElse("unknown memory")
            + " RAM",
        first("/etc/os-release", "PRETTY_NAME=\"?([^\"\\n]+)").orElse("unknown OS"),
        "JDK " + System.getProperty("java.runtime.version"),
        "PostgreSQL " + serverVersion(cluster, leader),
        "Patroni " + patroniVersion(leader),
        firstLine("etcd", "--version"),
        firstLine("haproxy", "-v").replaceAll(" - https?://\\S+", ""));
  }

  private static Optional<String> first(String file, String regex) {
    try {
      Matcher m = Pattern.compile(regex).matcher(Files.readString(Path.of(file)));
      return m.find() ? Optional.of(m.group(1).trim()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String serverVersion(PatroniCluster cluster, Member leader) {
    try (Connection c = cluster.connect(leader);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW server_version")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      return "unknown";
    }
  }

  private static String patroniVersion(Member leader) {
    try (InputStream in = URI.create(leader.restUrl() + "/patroni").toURL().openStream()) {
      return new ObjectMapper().readTree(in).path("patroni").path("version").asText("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String firstLine(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return out.lines().findFirst().orElse(command[0] + " (no version)").trim();
    } catch (IOException e) {
      return command[0] + " (not found)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return command[0];
    }
  }
}
