//! The `yiwang` subcommands that work on storage beside a running server.

use clap::Parser;
use yiwang::cli::{Cli, Command, UserCommand};
use yiwang::cmd::{admin, load_config};
use yiwang_tests::{Backend, TestApp, TestDb, test_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_add_works_beside_a_running_server() {
    for backend in yiwang_tests::backends() {
        let app = TestApp::spawn(backend).await;
        let cli = Cli::parse_from([
            "yiwang",
            "--database-url",
            &app.db.url,
            "--data",
            app.db.dir.path().to_str().unwrap(),
            "user",
            "add",
            "night_operator",
            "--role",
            "operator",
            "--password-stdin",
        ]);
        let mut config = load_config(&cli.storage).unwrap();
        config.auth.argon2_memory_kib = 1_024;
        config.auth.argon2_iterations = 1;
        let Command::User(cmd @ UserCommand::Add { .. }) = cli.command else {
            panic!("parsed as user add");
        };
        admin::add_user(config, cmd, "a-long-password".into())
            .await
            .unwrap();
        let token = app.login("night_operator", "a-long-password").await;
        let me = app.get("/api/v1/auth/me", &token).await;
        assert_eq!(me.body["roles"][0]["role"], "operator");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_fails_on_a_tampered_chain() {
    let db = TestDb::new(Backend::Sqlite);
    let config = test_config(&db);
    let app = TestApp::spawn_on(db, config.clone(), Vec::new()).await;
    assert!(
        admin::audit(config.clone(), yiwang::cli::AuditCommand::Verify)
            .await
            .is_ok()
    );
    {
        use diesel::RunQueryDsl;
        let mut conn = app.services.store.blocking_conn().unwrap();
        diesel::sql_query("UPDATE audit_log SET action = 'forged' WHERE id = 1")
            .execute(&mut *conn)
            .unwrap();
    }
    let err = admin::audit(config, yiwang::cli::AuditCommand::Verify)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("broken at entry 1"), "{err}");
}
