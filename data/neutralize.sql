-- neutralization of QuickBooks Sync: forget the QuickBooks sign-in and the app's secrets, stop syncing
UPDATE qbo_connection_token
   SET access_token = NULL,
       refresh_token = NULL,
       access_expires_at = NULL,
       refresh_expires_at = NULL,
       realm_id = NULL;

UPDATE qbo_connection
   SET client_secret = NULL,
       webhook_verifier_token = NULL,
       state = 'not_connected',
       state_message = 'Neutralized copy: the QuickBooks sign-in was removed.',
       oauth_state_hash = NULL,
       oauth_state_user_id = NULL,
       oauth_state_expires = NULL;

UPDATE ir_cron
   SET active = false
 WHERE id IN (
       SELECT res_id
         FROM ir_model_data
        WHERE model = 'ir.cron'
          AND module = 'stock_quickbooks_sync'
);
