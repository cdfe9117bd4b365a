/** One browser signed in to the console as a member of an organisation, keeping its cookies and its latest CSRF token. */
export { consoleMemberBrowser as consoleBrowserOf } from '../../console/teams/console-teams-testing.contract.ts';
