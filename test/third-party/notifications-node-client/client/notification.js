// Civitas: the spec requires '../../client/notification.js', the client's source beside it upstream.
// This is that same client, installed from npm (notifications-node-client 8.4.0, whose
// client/notification.js and client/api_client.js are identical to those at the pinned commit).
module.exports = require('notifications-node-client/client/notification.js');
