package org.patronijdbc.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.patronijdbc.topology.MemberRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Patroni's {@code GET /cluster} answer (3.x and 4.x) into a {@link ClusterTopology}. A
 * member that is not valid Patroni JSON is left out with a WARN; a body that is not Patroni JSON at
 * all is an {@link IOException}.
 */
final class ClusterJsonReader {

  private static final Logger log = LoggerFactory.getLogger(ClusterJsonReader.class);

  /** Patroni's /cluster is shallow; anything deeper is not Patroni. */
  private static final int MAX_NESTING = 16;

  private static final ObjectMapper JSON =
      new ObjectMapper(
          JsonFactory.builder()
              .streamReadConstraints(
                  StreamReadConstraints.builder()
                      .maxNestingDepth(MAX_NESTING)
                      .maxStringLength(64 * 1024)
                      .maxNumberLength(32)
                      .build())
              .build());

  /** Far above any real cluster; an answer naming more is not Patroni's, and is ignored. */
  static final int MAX_MEMBERS = 256;

  /** An answer that names more members than {@link #MAX_MEMBERS}. */
  static final class TooManyMembers extends IOException {
    TooManyMembers(int count) {
      super(
          "the answer names "
              + count
              + " members, more than the "
              + MAX_MEMBERS
              + " any Patroni cluster has: ignored");
    }
  }

  /** Tags Patroni drops from a member when their value is false (its {@code _filter_tags}). */
  private static final Set<String> PATRONI_BOOLEAN_TAGS =
      Set.of("clonefrom", "nofailover", "noloadbalance", "nosync", "nostream");

  private ClusterJsonReader() {}

  /**
   * Parses {@code body}.
   *
   * @param source where it came from, for log lines
   * @throws IOException when the body is not a Patroni /cluster answer
   */
  public static ClusterTopology read(String body, String source) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw new IOException("not JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject() || !root.path("members").isArray()) {
      throw new IOException("not a Patroni /cluster answer (no members array)");
    }
    if (root.path("members").size() > MAX_MEMBERS) {
      throw new TooManyMembers(root.path("members").size());
    }
    List<ClusterMember> members = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (JsonNode node : root.path("members")) {
      String problem = problemWith(node);
      if (problem != null) {
        log.warn("{} - ignoring a member of /cluster: {}", source, problem);
        continue;
      }
      ClusterMember member = toMember(node);
      if (!names.add(member.name())) {
        log.warn("{} - ignoring a second member called {}", source, member.name());
        continue;
      }
      members.add(member);
    }
    long leaders = members.stream().filter(m -> m.role() == MemberRole.LEADER).count();
    if (leaders > 1) {
      // The leader key names one member; two claims mean the answer cannot be trusted for writes.
      log.warn("{} - {} members claim to be leader; trusting none of them", source, leaders);
      members.replaceAll(
          m ->
              m.role() != MemberRole.LEADER
                  ? m
                  : new ClusterMember(
                      m.name(),
                      MemberRole.UNKNOWN,
                      m.state(),
                      m.host(),
                      m.port(),
                      m.timeline(),
                      m.lagBytes(),
                      m.tags(),
                      m.apiUrl()));
    }
    String scope = root.path("scope").isTextual() ? root.path("scope").asText() : "";
    return new ClusterTopology(scope, members, Instant.now(), ClusterTopology.Source.PATRONI);
  }

  /** {@code patroni.scope} from a {@code GET /patroni} answer. */
  static String readScope(String body) throws IOException {
    JsonNode scope;
    try {
      scope = JSON.readTree(body).path("patroni").path("scope");
    } catch (IOException | RuntimeException e) {
      throw new IOException("not Patroni JSON: " + firstLine(e.getMessage()));
    }
    if (!scope.isTextual() || scope.asText().isBlank()) {
      throw new IOException("no patroni.scope in /patroni");
    }
    return scope.asText();
  }

  private static String problemWith(JsonNode m) {
    if (!m.isObject()) {
      return "not an object";
    }
    if (!m.path("name").isTextual() || m.path("name").asText().isBlank()) {
      return "no name";
    }
    String name = m.path("name").asText();
    if (!m.path("host").isTextual() || !HostNames.isValid(m.path("host").asText())) {
      return name + ": no valid host";
    }
    JsonNode port = m.path("port");
    if (!port.canConvertToInt()
        || !port.isIntegralNumber()
        || port.asInt() < 1
        || port.asInt() > 65535) {
      return name + ": no valid port";
    }
    if (!m.path("role").isTextual()) {
      return name + ": no role";
    }
    return null;
  }

  private static ClusterMember toMember(JsonNode m) {
    OptionalLong lagBytes = bytes(m.path("lag"));
    OptionalLong replayLag = bytes(m.path("replay_lag"));
    if (m.has("replay_lag") && replayLag.isEmpty()) {
      lagBytes = OptionalLong.empty(); // replay_lag "unknown": what a read sees is unknown
    } else if (lagBytes.isPresent() && replayLag.isPresent()) {
      // Patroni 4.1 reports lag from the received position and replay_lag from the replayed one:
      // what a read sees is the replayed position
      lagBytes = OptionalLong.of(Math.max(lagBytes.getAsLong(), replayLag.getAsLong()));
    }
    Map<String, String> tags = new HashMap<>();
    m.path("tags")
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode value = e.getValue();
              boolean droppedByPatroni =
                  PATRONI_BOOLEAN_TAGS.contains(e.getKey()) && !isTruthy(value);
              if (value.isValueNode() && !droppedByPatroni) {
                tags.put(e.getKey(), value.asText());
              }
            });
    JsonNode timeline = m.path("timeline");
    return new ClusterMember(
        m.path("name").asText(),
        MemberRole.fromPatroni(m.path("role").asText()),
        m.path("state").asText(""),
        m.path("host").asText(),
        m.path("port").asInt(),
        timeline.isIntegralNumber() && timeline.canConvertToLong() ? timeline.asLong() : -1,
        lagBytes,
        tags,
        apiBase(m.path("api_url").asText("")),
        lsn(m.path("receive_lsn")),
        lsn(m.path("replay_lsn")));
  }

  /** A {@code pg_lsn} Patroni 4.1 reports ({@code "0/4000060"}); empty when absent or odd. */
  private static OptionalLong lsn(JsonNode lsn) {
    if (!lsn.isTextual()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Lsn.parse(lsn.asText()));
    } catch (IllegalArgumentException e) {
      return OptionalLong.empty();
    }
  }

  private static OptionalLong bytes(JsonNode lag) {
    return lag.isIntegralNumber() && lag.canConvertToLong() && lag.asLong() >= 0
        ? OptionalLong.of(lag.asLong())
        : OptionalLong.empty();
  }

  /** Python's {@code bool(value)}, which is how Patroni reads its own boolean tags. */
  private static boolean isTruthy(JsonNode value) {
    if (value.isNull() || value.isMissingNode()) {
      return false;
    }
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    if (value.isNumber()) {
      return value.doubleValue() != 0;
    }
    if (value.isTextual()) {
      return !value.textValue().isEmpty();
    }
    return value.size() > 0;
  }

  /** {@code http://host:port/patroni} becomes {@code http://host:port}; anything odd, empty. */
  private static String apiBase(String apiUrl) {
    try {
      URI uri = URI.create(apiUrl);
      String scheme = uri.getScheme();
      if (("http".equals(scheme) || "https".equals(scheme))
          && uri.getHost() != null
          && uri.getPort() > 0) {
        return scheme + "://" + uri.getHost() + ":" + uri.getPort();
      }
    } catch (IllegalArgumentException e) {
      // not a URL
    }
    return "";
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
