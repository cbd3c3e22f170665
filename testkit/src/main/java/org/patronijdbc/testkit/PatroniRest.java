package org.patronijdbc.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/**
 * The few Patroni REST calls testkit needs, over {@link HttpURLConnection}: its connect and read
 * timeouts are plain socket timeouts, which hold over TLS too (the JDK 17 HttpClient's request
 * timeout did not: a TLS exchange with Patroni could hang past it).
 */
final class PatroniRest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final Duration SWITCHOVER_TIMEOUT = Duration.ofSeconds(60);

  private final SSLContext tls;

  /** Plain HTTP. */
  PatroniRest() {
    this(null);
  }

  /** HTTPS with {@code tls} (client certificate and trusted CA) when not null. */
  PatroniRest(SSLContext tls) {
    this.tls = tls;
  }

  /** {@code GET /cluster} from {@code restUrl}, parsed; empty when the member does not answer. */
  Optional<List<Member>> cluster(String restUrl) {
    try {
      Response response = request("GET", restUrl + "/cluster", null, TIMEOUT);
      if (response.status() != 200) {
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
      return request("GET", restUrl + path, null, TIMEOUT).status();
    } catch (IOException e) {
      return -1;
    }
  }

  /** {@code POST /switchover}; returns Patroni's answer, or throws with it when not 200. */
  String switchover(String restUrl, String leader, String candidate) {
    String body =
        JSON.createObjectNode().put("leader", leader).put("candidate", candidate).toString();
    return post(restUrl + "/switchover", body, "switchover " + leader + " -> " + candidate);
  }

  /**
   * {@code POST /reinitialize} with {@code force}: the member wipes its data directory and copies
   * it from the leader again; returns Patroni's answer, or throws with it when not 200.
   */
  String reinitialize(String restUrl) {
    String body = JSON.createObjectNode().put("force", true).toString();
    return post(restUrl + "/reinitialize", body, "reinitialize at " + restUrl);
  }

  /** A POST that must answer 200; {@code what} names it in the exception otherwise. */
  private String post(String url, String body, String what) {
    try {
      Response response = request("POST", url, body, SWITCHOVER_TIMEOUT);
      if (response.status() != 200) {
        throw new IllegalStateException(
            what + " refused: HTTP " + response.status() + " " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException(what + " failed", e);
    }
  }

  private record Response(int status, String body) {}

  private Response request(String method, String url, String body, Duration timeout)
      throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
    if (c instanceof HttpsURLConnection https && tls != null) {
      https.setSSLSocketFactory(tls.getSocketFactory());
    }
    c.setConnectTimeout((int) TIMEOUT.toMillis());
    c.setReadTimeout((int) timeout.toMillis());
    c.setRequestMethod(method);
    c.setInstanceFollowRedirects(false);
    try {
      if (body != null) {
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = c.getOutputStream()) {
          out.write(body.getBytes(StandardCharsets.UTF_8));
        }
      }
      int status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new Response(status, text);
    } finally {
      c.disconnect();
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
              api.getScheme() + "://" + api.getHost() + ":" + api.getPort(),
              m.path("role").asText(),
              m.path("state").asText(),
              m.path("timeline").asLong(-1),
              lag.isNumber() ? Optional.of(lag.asLong()) : Optional.empty(),
              tags));
    }
    return members;
  }
}
