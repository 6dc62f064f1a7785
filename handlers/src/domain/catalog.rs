//! The product catalog: what an application can integrate, with which scenarios, and which
//! sandbox acceptance test cases each product requires.

use crate::domain::invalid::Invalid;

pub struct TestCase {
    pub id: &'static str,
    pub name: &'static str,
    /// What the developer does in the sandbox to pass it.
    pub instruction: &'static str,
    /// What the gateway answers when it passes.
    pub expected_result: &'static str,
}

pub const PAY_SUCCESS: TestCase = TestCase {
    id: "pay_success",
    name: "A payment succeeds",
    instruction: "Call pay with an amount that does not end in 01 or 02.",
    expected_result: "result.resultStatus S with a paymentId.",
};
pub const PAY_DECLINED: TestCase = TestCase {
    id: "pay_declined",
    name: "A declined payment is handled",
    instruction: "Call pay with an amount whose value ends in 01 (for example \"1001\").",
    expected_result: "result.resultCode USER_BALANCE_NOT_ENOUGH, resultStatus F.",
};
pub const DUPLICATE: TestCase = TestCase {
    id: "duplicate_request_handled",
    name: "A repeated paymentRequestId is answered idempotently",
    instruction: "Send the same pay request (same paymentRequestId and body) a second time.",
    expected_result: "The first answer again, with the same paymentId; no second payment.",
};
pub const BAD_SIGNATURE: TestCase = TestCase {
    id: "bad_signature_refused",
    name: "A request with a bad signature is refused",
    instruction: "Send a signed call whose body or signature was changed after signing.",
    expected_result: "result.resultCode SIGNATURE_INVALID.",
};
pub const BAD_TOKEN: TestCase = TestCase {
    id: "unknown_agent_token_refused",
    name: "An unknown or inactive Agent-Token is refused",
    instruction: "Send a correctly signed call with an Agent-Token that is not the application's.",
    expected_result: "result.resultCode ACCESS_DENIED.",
};
pub const INQUIRY: TestCase = TestCase {
    id: "inquiry_payment",
    name: "A payment is inquired",
    instruction: "Call inquiryPayment with the paymentRequestId or paymentId of a payment.",
    expected_result: "result.resultStatus S with the paymentStatus.",
};
pub const REFUND: TestCase = TestCase {
    id: "refund",
    name: "A payment is refunded",
    instruction: "Call refund for part or all of a successful payment.",
    expected_result: "result.resultStatus S with a refundId.",
};
pub const NOTIFY: TestCase = TestCase {
    id: "notification_acknowledged",
    name: "A payment notification to the notification URL is acknowledged",
    instruction: "Let a successful pay notify your paymentNotifyUrl (or the sandbox notification URL) and answer {\"result\":{\"resultStatus\":\"S\"}}.",
    expected_result: "The notification is delivered and acknowledged.",
};
pub const CANCEL: TestCase = TestCase {
    id: "cancel_payment",
    name: "A payment is cancelled",
    instruction: "Call cancel for a successful payment that has no refund.",
    expected_result: "result.resultStatus S with a cancelTime.",
};
pub const CONSULT: TestCase = TestCase {
    id: "consult_authorization",
    name: "An authorization is consulted and applied",
    instruction: "Consult and apply a user authorization (the authorization APIs are not in the sandbox gateway yet).",
    expected_result: "An access token for the user.",
};

pub struct Product {
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub scenarios: &'static [&'static str],
    pub required_test_cases: &'static [TestCase],
}

/// Every case the sandbox knows, in the order the acceptance page lists them.
pub static ALL_TEST_CASES: &[TestCase] = &[
    PAY_SUCCESS,
    PAY_DECLINED,
    DUPLICATE,
    INQUIRY,
    CANCEL,
    REFUND,
    BAD_SIGNATURE,
    BAD_TOKEN,
    NOTIFY,
    CONSULT,
];

pub static PRODUCTS: &[Product] = &[
    Product {
        code: "cashier_payment",
        name: "Cashier Payment",
        description: "Online payments through the wallet's cashier page.",
        scenarios: &["online", "wap", "app"],
        required_test_cases: &[
            PAY_SUCCESS,
            PAY_DECLINED,
            DUPLICATE,
            BAD_SIGNATURE,
            BAD_TOKEN,
            INQUIRY,
            REFUND,
            NOTIFY,
        ],
    },
    Product {
        code: "auto_debit",
        name: "Auto Debit",
        description: "Payments the user authorized in advance, without redirection.",
        scenarios: &["online", "app"],
        // consult_authorization is listed (ALL_TEST_CASES) but not required: the sandbox
        // gateway has no authorization APIs yet, and a required case nobody can pass would
        // block every Auto Debit app from authorization and launch.
        required_test_cases: &[
            PAY_SUCCESS,
            PAY_DECLINED,
            DUPLICATE,
            BAD_SIGNATURE,
            BAD_TOKEN,
            INQUIRY,
            REFUND,
            NOTIFY,
        ],
    },
    Product {
        code: "user_presented_mode",
        name: "User-presented Mode Payment",
        description: "In store: the merchant scans the payment code the user presents.",
        scenarios: &["in_store"],
        required_test_cases: &[
            PAY_SUCCESS,
            PAY_DECLINED,
            DUPLICATE,
            BAD_SIGNATURE,
            BAD_TOKEN,
            INQUIRY,
            CANCEL,
            REFUND,
        ],
    },
    Product {
        code: "merchant_presented_mode",
        name: "Merchant-presented Mode Payment",
        description: "In store: the user scans the merchant's QR code.",
        scenarios: &["in_store"],
        required_test_cases: &[
            PAY_SUCCESS,
            PAY_DECLINED,
            DUPLICATE,
            BAD_SIGNATURE,
            BAD_TOKEN,
            INQUIRY,
            REFUND,
            NOTIFY,
        ],
    },
    Product {
        code: "mini_program",
        name: "Mini Program Payment",
        description: "Payments from inside a wallet mini program.",
        scenarios: &["mini_program"],
        required_test_cases: &[
            PAY_SUCCESS,
            PAY_DECLINED,
            DUPLICATE,
            BAD_SIGNATURE,
            BAD_TOKEN,
            INQUIRY,
            REFUND,
            NOTIFY,
        ],
    },
];

pub fn find(code: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.code == code)
}

pub fn parse_code(code: &str) -> Result<&'static Product, Invalid> {
    find(code).ok_or_else(|| {
        let codes: Vec<&str> = PRODUCTS.iter().map(|p| p.code).collect();
        Invalid::new(
            "unknown_product",
            format!(
                "Unknown product `{code}`; the catalog has: {}.",
                codes.join(", ")
            ),
        )
    })
}

/// At least one scenario, each offered by the product, no duplicates; returned in catalog order.
pub fn parse_scenarios(
    product: &Product,
    scenarios: &[String],
) -> Result<Vec<&'static str>, Invalid> {
    if scenarios.is_empty() {
        return Err(Invalid::new(
            "required",
            format!("Choose at least one scenario of {}.", product.code),
        ));
    }
    for s in scenarios {
        if !product.scenarios.contains(&s.as_str()) {
            return Err(Invalid::new(
                "unknown_scenario",
                format!(
                    "{} offers the scenarios {}; `{s}` is not one of them.",
                    product.code,
                    product.scenarios.join(", ")
                ),
            ));
        }
        if scenarios.iter().filter(|x| *x == s).count() > 1 {
            return Err(Invalid::new(
                "duplicate",
                format!("Scenario `{s}` is listed twice."),
            ));
        }
    }
    Ok(product
        .scenarios
        .iter()
        .copied()
        .filter(|s| scenarios.iter().any(|x| x == s))
        .collect())
}
