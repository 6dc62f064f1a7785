//! The product catalog: what an application can integrate, with which scenarios, and which
//! sandbox acceptance test cases each product requires.

use crate::error::Invalid;

pub struct TestCase {
    pub id: &'static str,
    pub name: &'static str,
}

pub struct Product {
    pub code: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub scenarios: &'static [&'static str],
    pub required_test_cases: &'static [TestCase],
}

const PAY_SUCCESS: TestCase = TestCase {
    id: "pay_success",
    name: "A payment succeeds",
};
const BAD_SIGNATURE: TestCase = TestCase {
    id: "bad_signature_refused",
    name: "A request with a bad signature is refused",
};
const BAD_TOKEN: TestCase = TestCase {
    id: "unknown_agent_token_refused",
    name: "An unknown or inactive Agent-Token is refused",
};
const INQUIRY: TestCase = TestCase {
    id: "inquiry_payment",
    name: "A payment is inquired",
};
const REFUND: TestCase = TestCase {
    id: "refund",
    name: "A payment is refunded",
};
const NOTIFY: TestCase = TestCase {
    id: "notification_acknowledged",
    name: "A payment notification to the notification URL is acknowledged",
};
const CANCEL: TestCase = TestCase {
    id: "cancel_payment",
    name: "A payment is cancelled",
};
const CONSULT: TestCase = TestCase {
    id: "consult_authorization",
    name: "An authorization is consulted and applied",
};

pub static PRODUCTS: &[Product] = &[
    Product {
        code: "cashier_payment",
        name: "Cashier Payment",
        description: "Online payments through the wallet's cashier page.",
        scenarios: &["online", "wap", "app"],
        required_test_cases: &[
            PAY_SUCCESS,
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
        required_test_cases: &[
            CONSULT,
            PAY_SUCCESS,
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
