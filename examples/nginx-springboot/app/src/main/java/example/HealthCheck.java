package example;

import java.net.HttpURLConnection;
import java.net.URI;

/** The container healthcheck: exits 0 when the URL answers 200, 1 otherwise. */
public final class HealthCheck {
  private HealthCheck() {}

  public static void main(String[] args) {
    String url = args.length > 0 ? args[0] : "http://127.0.0.1:8080/hello";
    try {
      HttpURLConnection conn = (HttpURLConnection) URI.create(url).toURL().openConnection();
      conn.setConnectTimeout(2000);
      conn.setReadTimeout(2000);
      int status = conn.getResponseCode();
      conn.disconnect();
      System.exit(status == 200 ? 0 : 1);
    } catch (Exception e) {
      System.err.println("healthcheck failed: " + e);
      System.exit(1);
    }
  }
}
