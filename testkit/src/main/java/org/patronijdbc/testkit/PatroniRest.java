package org.patronijdbc.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The few Patroni REST calls testkit needs, over the JDK's HTTP client. */
final class PatroniRest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();

  /** {@code GET /cluster} from {@code restUrl}, parsed; empty when the member does not answer. */
  Optional<List<Member>> cluster(String restUrl) {
    try {
      HttpResponse<String> response = get(restUrl + "/cluster");
      if (response.statusCode() != 200) {
        return Optional.empty();
      }
      return Optional.of(parseMembers(JSON.readTree(response.body())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The HTTP status of {@code GET restUrl + path}, or -1 when nothing answered in time. */
  int status(String restUrl, String path) {
    try {
      return get(restUrl + path).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  /** {@code POST /switchover}; returns Patroni's answer, or throws with it when not 200. */
  String switchover(String restUrl, String leader, String candidate) {
    String body =
        JSON.createObjectNode().put("leader", leader).put("candidate", candidate).toString();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(restUrl + "/switchover"))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "switchover "
                + leader
                + " -> "
                + candidate
                + " refused: HTTP "
                + response.statusCode()
                + " "
                + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException("switchover " + leader + " -> " + candidate + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private HttpResponse<String> get(String url) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET().build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  static List<Member> parseMembers(JsonNode cluster) {
    List<Member> members = new ArrayList<>();
    for (JsonNode m : cluster.path("members")) {
      URI api = URI.create(m.path("api_url").asText("http://127.0.0.1:0/patroni"));
      JsonNode lag = m.path("lag");
      Map<String, Object> tags = new HashMap<>();
      m.path("tags")
          .fields()
          .forEachRemaining(
              e -> tags.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class)));
      members.add(
          new Member(
              m.path("name").asText(),
              m.path("host").asText(),
              m.path("port").asInt(),
              api.getPort(),
              m.path("role").asText(),
              m.path("state").asText(),
              m.path("timeline").asLong(-1),
              lag.isNumber() ? Optional.of(lag.asLong()) : Optional.empty(),
              tags));
    }
    return members;
  }
}
