//! Payment notifications (`notifyPayment`): what is sent after a successful pay, signed with
//! the platform's sandbox key as the SDKs' `signature_tool.verify` expects, and acknowledged
//! by an answer whose `result.resultStatus` is `S`. Delivered through the outbox (kind
//! `notification`), with the same retries and backoff as email.

use serde::Deserialize;
use serde_json::{json, Value};

use super::signature;
use crate::platform::{Ctx, HttpClient, Query};
use crate::sql::{gateway as gw, outbox::OutboxRow};
use crate::time;

/// The notification body for a pay answer.
pub fn payment_result(answer: &Value) -> String {
    json!({
        "notifyType": "PAYMENT_RESULT",
        "result": answer["result"],
        "paymentRequestId": answer["paymentRequestId"],
        "paymentId": answer["paymentId"],
        "paymentAmount": answer["paymentAmount"],
        "paymentCreateTime": answer["paymentCreateTime"],
        "paymentTime": answer["paymentTime"],
    })
    .to_string()
}

#[derive(Deserialize)]
struct Data {
    app_id: String,
    client_id: String,
    evidence: String,
}

/// What the outbox row keeps beside the body: whom it is signed for, and the pay request
/// that caused it (the evidence of `notification_acknowledged`).
pub fn data(app_id: &str, client_id: &str, payment_id: &str, evidence: &str) -> String {
    json!({"app_id": app_id, "client_id": client_id, "payment_id": payment_id, "evidence": evidence})
        .to_string()
}

/// The path (and query) of a URL: what the receiver's SDK puts in the signed content.
pub fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split('#').next().unwrap_or_default();
    rest.find('/').map_or("/", |i| &rest[i..])
}

/// Whether an answer acknowledges the notification.
pub fn acknowledged(status: u16, body: &[u8]) -> bool {
    status == 200
        && serde_json::from_slice::<Value>(body).is_ok_and(|v| v["result"]["resultStatus"] == "S")
}

/// Sends one notification. Ok: acknowledged, with the statements to run with `mark_sent`
/// (the acceptance case); Err: why not, for the retry.
pub async fn send(
    ctx: &Ctx<'_>,
    http: &dyn HttpClient,
    msg: &OutboxRow,
) -> Result<Vec<Query>, String> {
    let data: Data =
        serde_json::from_str(&msg.data_json).map_err(|e| format!("notification data: {e}"))?;
    // Authorization events (oauth::events) go to the production notification URL, signed by
    // the production platform key; payment notifications are the sandbox's.
    let event = msg.template == "authorization_event";
    let environment = if event { "production" } else { "sandbox" };
    let pem = ctx
        .config
        .platform_key_pem(environment)
        .ok_or_else(|| format!("the {environment} platform key is not configured"))?;
    let request_time = time::rfc3339(ctx.now());
    let content = signature::content(
        "POST",
        path_of(&msg.to_address),
        &data.client_id,
        &request_time,
        msg.body_text.as_bytes(),
    );
    let sig = ctx
        .crypto
        .sign_rs256(pem, &content)
        .await
        .map_err(|e| e.0)?;
    let headers = vec![
        (
            "content-type".to_owned(),
            "application/json; charset=UTF-8".to_owned(),
        ),
        ("client-id".to_owned(), data.client_id.clone()),
        ("request-time".to_owned(), request_time),
        ("signature".to_owned(), signature::header_for(1, &sig)),
        (
            "user-agent".to_owned(),
            if event {
                "devcenter-events/1"
            } else {
                "devcenter-sandbox-notify/1"
            }
            .to_owned(),
        ),
    ];
    match http
        .post(&msg.to_address, &headers, msg.body_text.as_bytes())
        .await
    {
        // An event is acknowledged by any 2xx, like any webhook.
        Ok(a) if event && (200..300).contains(&a.status) => Ok(Vec::new()),
        Ok(a) if event => Err(format!("the notification URL answered HTTP {}", a.status)),
        Ok(a) if acknowledged(a.status, &a.body) => Ok(vec![gw::pass(
            &data.app_id,
            "notification_acknowledged",
            ctx.now(),
            &data.evidence,
        )]),
        Ok(a) if a.status == 200 => {
            Err("the notification was answered without result.resultStatus S".into())
        }
        Ok(a) => Err(format!("the notification URL answered HTTP {}", a.status)),
        Err(e) => Err(format!("the notification URL is unreachable: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_path_is_the_urls_path_and_query() {
        assert_eq!(path_of("https://shop.example/notify"), "/notify");
        assert_eq!(
            path_of("https://shop.example:8443/a/b?x=1#frag"),
            "/a/b?x=1"
        );
        assert_eq!(path_of("http://127.0.0.1:9000"), "/");
    }

    #[test]
    fn only_result_status_s_acknowledges() {
        assert!(acknowledged(
            200,
            br#"{"result":{"resultCode":"SUCCESS","resultStatus":"S"}}"#
        ));
        assert!(!acknowledged(200, br#"{"result":{"resultStatus":"F"}}"#));
        assert!(!acknowledged(200, b"OK"));
        assert!(!acknowledged(500, br#"{"result":{"resultStatus":"S"}}"#));
    }
}
